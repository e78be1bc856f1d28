"""Bad limits, settings, job names and output folders stop `crawler crawl` before it starts: exit 2, the key named."""

from __future__ import annotations

import os
import subprocess

import pytest

from crawler import cli
from crawler.commands.runner import project_settings
from crawler.jobs import config as jobconfig
from crawler.jobs import validate
from crawler.jobs.paths import check_job_name, default_job_name

SEED = "http://127.0.0.1:9/"


def crawl(capsys, tmp_path, *args, job: str | None = None) -> tuple[int, str]:
    """Run `crawler crawl` in this process: every case here stops before the reactor starts."""
    argv = ["crawl", SEED, "--output", str(tmp_path / "out"), *args]
    if job is not None:
        path = tmp_path / "job.toml"
        path.write_text(job)
        argv += ["--config", str(path)]
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize(
    "job, args, message",
    [
        ("[limits]\nmax_body_size = 0\n", (), "limits.max_body_size: must be more than 0 (0 would mean no size limit"),
        ("[limits]\nmax_body_size = '0MB'\n", (), "limits.max_body_size: must be more than 0"),
        ("[politeness]\nconcurrency_per_host = 0\n", (), "politeness.concurrency_per_host: must be more than 0"),
        ("[politeness]\nconcurrency = 0\n", (), "politeness.concurrency: must be more than 0"),
        ("[limits]\ntimeout = 0\n", (), "limits.timeout: must be more than 0"),
        ("[limits]\nanalysis_timeout = 0\n", (), "limits.analysis_timeout: must be more than 0"),
        ("[limits]\nmax_headers = 0\n", (), "limits.max_headers: must be more than 0"),
        ("[output]\nwarc_max_size = 0\n", (), "output.warc_max_size: must be more than 0"),
        ("[limits]\nmax_pages_per_pattern = { '/cal/' = 0 }\n", (), "limits.max_pages_per_pattern: '/cal/'"),
        ("[limits]\nmax_pages_per_pattern = { '(' = 5 }\n", (), "bad regular expression"),
        ('[settings]\nDOWNLOAD_DELAY = "abc"\n', (), "[settings] DOWNLOAD_DELAY: expected a number, got 'abc'"),
        ("[settings]\nROBOTSTXT_OBEY = 'maybe'\n", (), "[settings] ROBOTSTXT_OBEY: expected true or false"),
        ("[settings]\nUSER_AGENT = 5\n", (), "[settings] USER_AGENT: expected a string"),
        ("[settings]\nDOWNLOAD_MAXSIZE = 0\n", (), "[settings] DOWNLOAD_MAXSIZE = 0: must be more than 0"),
        ("[settings]\nCONCURRENT_REQUESTS_PER_DOMAIN = 0\n", (), "CONCURRENT_REQUESTS_PER_DOMAIN = 0"),
        ("[settings]\nJOB_NAME = '../../x'\n", (), "job name '../../x' is not allowed"),
        ("", ("-s", "DOWNLOAD_MAXSIZE=0"), "-s DOWNLOAD_MAXSIZE = 0: must be more than 0"),
        ("", ("-s", "DOWNLOAD_DELAY=abc"), "-s DOWNLOAD_DELAY: expected a number"),
        ("", ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=0"), "-s CONCURRENT_REQUESTS_PER_DOMAIN = 0"),
        ("", ("-s", "ERROR_THRESHOLD=2"), "ERROR_THRESHOLD = '2': must be at most 1"),
        ("", ("--max-pages", "-1"), "--max-pages: LIMIT_PAGES = -1: must be at least 0"),
        ("", ("--job", "../../x"), "--job: job name '../../x' is not allowed"),
        ("", ("--job", "a/b"), "--job: job name 'a/b' is not allowed"),
        ("", ("--job", ".hidden"), "job name '.hidden' is not allowed"),
        ("[job]\nname = '../x'\n", (), "job.name: job name '../x' is not allowed"),
    ],
)
def test_bad_limits_and_settings_are_refused_with_exit_2(capsys, tmp_path, job, args, message):
    code, err = crawl(capsys, tmp_path, *args, job=job or None)
    assert code == 2, err
    assert message in err
    assert not (tmp_path / "out").exists()  # nothing was created, nothing outside the output root either
    assert not (tmp_path.parent / "x").exists()


def test_output_folder_under_a_file_is_exit_2(capsys, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    code = cli.main(["crawl", SEED, "--output", str(tmp_path / "file"), "--job", "j"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write to the output folder" in err and "Traceback" not in err


def test_job_dir_under_a_file_is_exit_2(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    code = cli.main(["crawl", SEED, "--output", str(tmp_path), "--job-dir", str(tmp_path / "file" / "d")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write to the job folder" in err


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a read-only tmpfs needs root")
def test_read_only_output_folder_is_exit_2(capsys, tmp_path):
    target = tmp_path / "ro"
    target.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)]).returncode:
        pytest.skip("mount is not allowed here")
    try:
        code = cli.main(["crawl", SEED, "--output", str(target), "--job", "j"])
        err = capsys.readouterr().err
    finally:
        subprocess.run(["umount", str(target)], check=True)
    assert code == 2 and "Read-only file system" in err and "Traceback" not in err


def test_free_space_floor_is_checked_before_the_crawl(capsys, tmp_path):
    code, err = crawl(capsys, tmp_path, "-s", f"OUTPUT_MIN_FREE_SPACE={2**62}")
    assert code == 1
    assert "not started: only" in err and "below the floor" in err and "output.min_free_space" in err


def test_job_names():
    for name in ("nejatngo", "www.example.org-8080", "a_b.c-1"):
        assert check_job_name(name) == name
    for name in ("", "..", "../x", "a/b", ".x", "-x", "a..b", "x" * 200, "a b", "a\x00"):
        with pytest.raises(ValueError):
            check_job_name(name)
    assert default_job_name(["http://127.0.0.1:8080/"]) == "127.0.0.1-8080"
    assert default_job_name(["http://..x../"]) == "x"


def test_zero_means_what_the_docs_say_where_it_is_allowed():
    settings = jobconfig.from_dict(
        {"limits": {"max_pages": 0, "max_records": 0, "max_duration": 0, "retries": 0}, "output": {"min_free_space": 0}}
    ).settings
    assert settings == {
        "LIMIT_PAGES": 0,
        "LIMIT_RECORDS": 0,
        "CLOSESPIDER_TIMEOUT": 0,
        "RETRY_TIMES": 0,
        "OUTPUT_MIN_FREE_SPACE": 0,
    }
    validate.check_limits(settings.get)


def test_every_limit_of_the_project_settings_is_in_range_and_known():
    settings = project_settings()
    validate.check_limits(settings.get)
    assert all(name in settings.attributes for name in validate.LIMITS)


@pytest.mark.parametrize(
    "value, default, ok",
    [
        ("1.5", 0, True),
        ("abc", 0, False),
        (True, 0, False),
        ("true", False, True),
        (1, False, True),
        ("yes", False, False),
        ("a,b", [], True),
        ('{"a": 1}', {}, True),
        ("[1]", {}, False),
        (object(), None, True),
    ],
)
def test_type_error(value, default, ok):
    assert (validate.type_error(value, default) is None) == ok
