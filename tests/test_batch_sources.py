"""Reading batch inputs without a model: folders, archives, JSON lines, formats, encodings, hostile input."""

from __future__ import annotations

import io
import json
import os
import tarfile
import tracemalloc
import zipfile

import pytest
from batchfiles import (
    GDP, SIMPLIFIED, TRADITIONAL, add_tar_special, make_docx, make_pdf, make_tar, make_zip, zip_symlink,
)

from ner.formats import FormatError, html_text, to_text
from ner.sources import MB, Limits, Reader, list_files
from ner.textio import DecodeError, decode_bytes


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Inputs are named relative to tmp_path, so ids read like the ones users see."""
    monkeypatch.chdir(tmp_path)


def items(*inputs, **kw):
    return {i.id: i for i in Reader(**kw).items(inputs)}


def _patch_headers(path, name: bytes, local_at: int, central_at: int, value: bytes) -> None:
    """Overwrite a field of member `name` in its local and its central zip header."""
    data = bytearray(path.read_bytes())
    for sig, field_at, name_len_at, name_at in ((b"PK\x03\x04", local_at, 26, 30), (b"PK\x01\x02", central_at, 28, 46)):
        pos = -1
        while (pos := data.find(sig, pos + 1)) >= 0:
            n = int.from_bytes(data[pos + name_len_at : pos + name_len_at + 2], "little")
            if data[pos + name_at : pos + name_at + n] == name:
                data[pos + field_at : pos + field_at + len(value)] = value
    path.write_bytes(bytes(data))


def test_folder_is_walked_recursively_in_sorted_order_and_output_is_excluded(tmp_path):
    (tmp_path / "in" / "b").mkdir(parents=True)
    (tmp_path / "in" / "b" / "z.txt").write_text("乙")
    (tmp_path / "in" / "a.txt").write_text("甲")
    (tmp_path / "in" / "out.jsonl").write_text("")
    (tmp_path / "in" / "loop").symlink_to(tmp_path / "in")  # not followed: no endless walk
    ids = [doc_id for doc_id, _ in list_files(["in"], exclude=["in/out.jsonl"])]
    assert ids == ["in/a.txt", "in/loop", "in/b/z.txt"]
    got = items("in")
    assert got["in/a.txt"].data == "甲".encode() and "link to a folder" in got["in/loop"].error


def test_archive_members_are_ids_under_the_archive_path(tmp_path):
    make_zip(tmp_path / "reports.zip", {"2022/a.txt": GDP, "2022/": b"", "b.md": "# 报告"})
    make_tar(tmp_path / "reports.tgz", {"2022/a.txt": GDP})
    make_tar(tmp_path / "plain.tar", {"x.txt": GDP}, mode="w")
    got = items("reports.zip", "reports.tgz", "plain.tar")
    assert sorted(got) == ["plain.tar/x.txt", "reports.tgz/2022/a.txt", "reports.zip/2022/a.txt", "reports.zip/b.md"]
    assert got["reports.zip/2022/a.txt"].data == GDP.encode()


def test_archives_inside_archives_are_expanded_to_a_bounded_depth(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("a.txt", GDP)
    make_zip(tmp_path / "outer.zip", {"inner.zip": inner.getvalue()})
    assert items("outer.zip")["outer.zip/inner.zip/a.txt"].data == GDP.encode()
    nested = make_zip(tmp_path / "deep.zip", {"a.txt": GDP}).read_bytes()
    for _ in range(6):  # deeper than MAX_DEPTH (a zip quine would be infinitely deep)
        nested = make_zip(tmp_path / "deep.zip", {"n.zip": nested}).read_bytes()
    (item,) = items("deep.zip").values()
    assert "nested deeper" in item.error


def test_jsonl_fields_ids_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"doc": "r1", "body": GDP}, ensure_ascii=False),
        json.dumps({"body": "增长18%"}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps({"doc": "r4", "title": "no body"}),
        json.dumps([1, 2]),
    ]
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = items("d.jsonl", text_field="body", id_field="doc")
    assert got["d.jsonl#r1"].data == GDP and got["d.jsonl:2"].data == "增长18%"
    assert "not a JSON line" in got["d.jsonl:4"].error
    assert "no text field 'body'" in got["d.jsonl#r4"].error
    assert "not an object" in got["d.jsonl:6"].error
    assert len(got) == 5  # the blank line is no document


@pytest.mark.parametrize(
    "raw, text",
    [
        (GDP.encode("utf-8"), GDP),
        (b"\xef\xbb\xbf" + GDP.encode("utf-8"), GDP),
        (SIMPLIFIED.encode("gb18030"), SIMPLIFIED),
        (SIMPLIFIED.encode("gbk"), SIMPLIFIED),
        (TRADITIONAL.encode("big5"), TRADITIONAL),  # valid GB18030 too: the Chinese-looking decoding wins
        ("工作報告".encode("big5"), "工作報告"),
    ],
)
def test_encodings_are_detected(raw, text):
    assert decode_bytes(raw) == text


@pytest.mark.parametrize("raw", [b"\x00\x01PNG\x00", bytes(range(1, 32)) * 50, b"\xff\xfe\xfd\x80"])
def test_binary_and_undecodable_bytes_are_refused(raw):
    with pytest.raises(DecodeError):
        decode_bytes(raw)


def test_formats_give_text():
    html = "<html><head><style>p{}</style><script>var x='不要';</script></head><body><p>实现地区\n生产总值</p><div>增长&amp;18%</div></body></html>"
    assert html_text(html) == "实现地区生产总值\n增长&18%"
    assert to_text("a.htm", html.encode("gb18030")) == "实现地区生产总值\n增长&18%"
    assert to_text("a.docx", make_docx(["一、工作回顾", GDP])) == f"一、工作回顾\n{GDP}"
    assert to_text("a.pdf", make_pdf(["GDP 150.06", "growth 18.46%"])).split("\n")[:2] == ["GDP 150.06", "growth 18.46%"]
    assert to_text("a.md", "# 报告".encode()) == "# 报告"
    assert to_text("x.jsonl#1", "already text") == "already text"
    with pytest.raises(FormatError, match="unsupported file type .png"):
        to_text("a.png", b"\x89PNG")
    with pytest.raises(FormatError, match="not a .docx"):
        to_text("a.docx", b"not a zip")


def test_docx_bomb_and_dtd_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<a>" + b" " * (3 * MB) + b"</a>")
    with pytest.raises(FormatError, match="over"):
        to_text("bomb.docx", buf.getvalue(), max_bytes=MB)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", '<!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>')
    with pytest.raises(FormatError, match="DTD"):
        to_text("laughs.docx", buf.getvalue())


def test_zip_traversal_absolute_symlink_and_encrypted_members_are_error_items(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("ok.txt", GDP)
        z.writestr("../escape.txt", "x")
        z.writestr("/etc/passwd.txt", "x")
        z.writestr("C:/win.txt", "x")
        z.writestr(zip_symlink("link.txt", "/etc/shadow"), "/etc/shadow")
        z.writestr("locked.txt", "x")
    _patch_headers(path, b"locked.txt", 6, 8, (1).to_bytes(2, "little"))  # the 'encrypted' flag
    by_name = {k.removeprefix("evil.zip/"): v for k, v in items("evil.zip").items()}
    assert by_name["ok.txt"].data == GDP.encode()
    assert "'..'" in by_name["../escape.txt"].error
    assert "absolute" in by_name["/etc/passwd.txt"].error and "absolute" in by_name["C:/win.txt"].error
    assert "symbolic link" in by_name["link.txt"].error
    assert "encrypted" in by_name["locked.txt"].error


def test_tar_traversal_links_and_devices_are_error_items(tmp_path):
    path = make_tar(tmp_path / "evil.tar", {"ok.txt": GDP, "../up.txt": "x", "/abs.txt": "x"}, mode="w")
    entries = []
    for name, kind in [("sym.txt", tarfile.SYMTYPE), ("hard.txt", tarfile.LNKTYPE), ("tty", tarfile.CHRTYPE),
                       ("disk", tarfile.BLKTYPE), ("pipe", tarfile.FIFOTYPE)]:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, "/etc/passwd"
        entries.append(info)
    add_tar_special(path, entries)
    got = {k.removeprefix("evil.tar/"): v for k, v in items("evil.tar").items()}
    assert got["ok.txt"].data == GDP.encode()
    assert "'..'" in got["../up.txt"].error and "absolute" in got["/abs.txt"].error
    assert "link" in got["sym.txt"].error and "link" in got["hard.txt"].error
    assert "device" in got["tty"].error and "device" in got["disk"].error
    assert "special" in got["pipe"].error


def test_zip_bomb_is_stopped_without_inflating_it(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("big.txt", b"0" * (64 * MB))  # about 64 KB on disk
        z.writestr("liar.txt", b"0" * (64 * MB))
        for n in range(3):
            z.writestr(f"part{n}.txt", b"1" * (MB - 1000))
    _patch_headers(path, b"liar.txt", 22, 24, (1000).to_bytes(4, "little"))  # claims 1,000 bytes
    limits = Limits(max_member_bytes=2 * MB, max_archive_bytes=2 * MB + 100_000)
    tracemalloc.start()
    got = items("bomb.zip", limits=limits)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * MB, f"held {peak:,} bytes in memory"
    assert "document limit" in got["bomb.zip/big.txt"].error
    assert "CRC" in got["bomb.zip/liar.txt"].error
    assert got["bomb.zip/part0.txt"].data and got["bomb.zip/part1.txt"].data
    assert "bomb.zip/part2.txt" not in got  # the total limit ends the archive with one error item
    assert "total uncompressed limit" in got["bomb.zip"].error


def test_tar_gz_bomb_is_stopped_by_member_and_total_limits(tmp_path):
    make_tar(tmp_path / "bomb.tgz", {"big.txt": b"0" * (32 * MB), "a.txt": GDP, "huge.txt": b"0" * (32 * MB), "z.txt": GDP})
    tracemalloc.start()
    got = items("bomb.tgz", limits=Limits(max_member_bytes=MB, max_archive_bytes=40 * MB))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * MB, f"held {peak:,} bytes in memory"
    assert "document limit" in got["bomb.tgz/big.txt"].error and got["bomb.tgz/a.txt"].data == GDP.encode()
    assert "total uncompressed limit" in got["bomb.tgz"].error and "bomb.tgz/z.txt" not in got


def test_corrupt_truncated_empty_and_odd_files_are_error_items_not_crashes(tmp_path):
    (tmp_path / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    good = make_tar(tmp_path / "good.tgz", {f"{n}.txt": os.urandom(20_000).hex() for n in range(5)})
    (tmp_path / "truncated.tgz").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (tmp_path / "empty.zip").write_bytes(b"")
    (tmp_path / "empty.txt").write_bytes(b"")
    os.mkfifo(tmp_path / "pipe.txt")
    got = items("corrupt.zip", "truncated.tgz", "empty.zip", "empty.txt", "pipe.txt")
    assert "corrupt zip" in got["corrupt.zip"].error and "corrupt zip" in got["empty.zip"].error
    assert "corrupt tar" in got["truncated.tgz"].error
    assert got["truncated.tgz/0.txt"].data  # members before the damage are kept
    assert got["empty.txt"].data == b"" and got["empty.txt"].error is None
    assert "not a regular file" in got["pipe.txt"].error


def test_oversize_plain_file_and_jsonl_line_are_error_items(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"a" * (MB + 1))
    (tmp_path / "d.jsonl").write_bytes(b'{"text": "' + b"a" * (MB + 1) + b'"}\n{"text": "ok"}\n')
    got = items("big.txt", "d.jsonl", limits=Limits(max_member_bytes=MB))
    assert "document limit" in got["big.txt"].error
    assert "document limit" in got["d.jsonl:1"].error and got["d.jsonl:2"].data == "ok"


def test_gbk_member_names_are_decoded(tmp_path):
    gbk = "政府工作报告.txt".encode("gbk")
    make_zip(tmp_path / "names.zip", {"X" * (len(gbk) - 4) + ".txt": GDP})
    # a zip from Chinese Windows: GBK name bytes and no UTF-8 flag (Python itself always writes UTF-8)
    raw = (tmp_path / "names.zip").read_bytes().replace(b"X" * (len(gbk) - 4) + b".txt", gbk)
    (tmp_path / "names.zip").write_bytes(raw)
    with tarfile.open(tmp_path / "names.tar", "w", encoding="gbk") as t:
        info = tarfile.TarInfo("政府工作报告.txt")
        info.size = 3
        t.addfile(info, io.BytesIO(b"abc"))
    assert set(items("names.zip", "names.tar")) == {"names.zip/政府工作报告.txt", "names.tar/政府工作报告.txt"}
