"""`crawler parse` runs the crawl's extraction over saved files."""

import gzip
import json
import urllib.request

from conftest import run_cli_here


def _save(url, path, compress=False):
    with urllib.request.urlopen(url) as response:
        body = response.read()
    path.write_bytes(gzip.compress(body) if compress else body)


def test_parse_gives_the_crawl_record(demo_server, tmp_path, capsys):
    article = demo_server.site.articles[3]
    url = demo_server.url + article.path
    _save(url, tmp_path / "page.html")
    result = run_cli_here(capsys, "parse", str(tmp_path / "page.html"), "--url", url)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    truth = {r["url"]: r for r in demo_server.site.expected_records(demo_server.url)}[url]
    for field, expected in truth.items():
        assert record[field] == expected, field
    assert record["page_type"] == "article"


def test_parse_many_files_gives_json_lines_with_source(demo_server, tmp_path, capsys):
    a, b = demo_server.site.articles[:2]
    _save(demo_server.url + a.path, tmp_path / "a.html")
    _save(demo_server.url + b.path, tmp_path / "b.html.gz", compress=True)
    result = run_cli_here(capsys, "parse", str(tmp_path / "a.html"), str(tmp_path / "b.html.gz"))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(tmp_path / "a.html"), str(tmp_path / "b.html.gz")]
    assert [line["title"] for line in lines] == [a.title, b.title]


def test_parse_text_format_reads_like_the_page(demo_server, tmp_path, capsys):
    article = demo_server.site.articles[0]
    _save(demo_server.url + article.path, tmp_path / "a.html")
    result = run_cli_here(
        capsys, "parse", str(tmp_path / "a.html"), "--url", demo_server.url + article.path, "--format", "text"
    )
    lines = result.stdout.split("\n\n")
    assert lines[0] == f"Home » {article.category[1]} » {article.title}"
    assert lines[1] == article.title
    assert article.author[1] in lines and "You may also like" in lines


def test_parse_missing_file_is_a_clear_error(tmp_path, capsys):
    result = run_cli_here(capsys, "parse", str(tmp_path / "nope.html"))
    assert result.returncode != 0
    assert "cannot read" in result.stderr
