"""pytest plugin: every fixture folder's expected.json becomes one test per field.

Installed with the package (entry point pytest11), so `pytest DIR` runs a user's fixtures with
no test code; a failing field is named in the test id, e.g. `.../expected.json::authors`.
"""

from __future__ import annotations

import pytest

from crawler import fixtures


def pytest_collect_file(parent, file_path):
    if file_path.name == fixtures.EXPECTED and fixtures.is_fixture(file_path.parent):
        return FixtureFile.from_parent(parent, path=file_path)
    return None


class FieldMismatch(AssertionError):
    pass


class FixtureFile(pytest.File):
    _record: dict | None = None

    def collect(self):
        self.fixture = fixtures.load(self.path.parent)
        for field in self.fixture.expected:
            yield FieldItem.from_parent(self, name=field)

    def record(self) -> dict:
        if self._record is None:
            self._record = self.fixture.extract()
        return self._record


class FieldItem(pytest.Item):
    def runtest(self):
        fixture = self.parent.fixture
        got, want = self.parent.record().get(self.name), fixture.expected[self.name]
        if got != want:
            raise FieldMismatch(fixtures.describe_difference(self.name, got, want))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, FieldMismatch):
            return f"fixture {self.parent.fixture.name}, field {self.name!r} differs:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"fixture {self.parent.path.parent.name}: {self.name}"
