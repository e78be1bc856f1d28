"""pytest plugin: every fixture folder's expected.json becomes one test per field.

Installed with the package (entry point pytest11, name `crawler-fixtures`), so `pytest DIR` runs
a user's fixtures with no test code; a failing field is named in the test id, e.g.
`tests/fixtures/my-page/expected.json::authors`. `-p no:crawler-fixtures` turns it off.
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
    """One fixture folder, collected through its expected.json."""

    _record: dict | None = None

    def collect(self):
        try:
            self.fixture = fixtures.load(self.path.parent)
        except (OSError, ValueError, KeyError) as exc:  # json.JSONDecodeError is a ValueError
            raise self.CollectError(f"cannot load fixture {self.path.parent}: {type(exc).__name__}: {exc}") from None
        for field in self.fixture.expected:
            yield FieldItem.from_parent(self, name=field)

    def record(self) -> dict:
        """Extracted once per fixture, shared by its field tests."""
        if self._record is None:
            self._record = self.fixture.extract()
        return self._record


class FieldItem(pytest.Item):
    """One field of one fixture: passes when today's extraction gives the expected value."""

    def runtest(self):
        difference = fixtures.compare(self.parent.record(), {self.name: self.parent.fixture.expected[self.name]})
        if difference:
            raise FieldMismatch(difference[self.name])

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, FieldMismatch):
            folder = self.parent.path.parent
            if folder.is_relative_to(self.config.rootpath):
                folder = folder.relative_to(self.config.rootpath)
            return (f"{self.name!r} differs from {folder}/{fixtures.EXPECTED}:\n{excinfo.value}\n"
                    f"(once reviewed, `crawler fixture check --update {folder}` accepts today's values)")
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"fixture {self.parent.path.parent.name}: {self.name}"
