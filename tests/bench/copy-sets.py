#!/usr/bin/env python3
"""The copy benchmark's workloads (tests/bench/copy.sh), made once into a
cache directory and reused:

  office DIR  about 1 GB of unique, unmarked office documents of mixed real
              formats (docx, odt, xlsx, pdf, txt), 50 KB to 8 MB each
              (log-uniform), made by LibreOffice from generated text: memos
              of random sentences from a vocabulary, with pictures of random
              pixels (what makes real documents large), spreadsheets of
              random figures; no two alike.
  small DIR   2,000 small files of 4 to 64 KB: memos and source files.
  media DIR   one 2 GB video file (an MP4 container of random data).

Nothing generated may look marked or hold personal data: the vocabulary
has no level words and figures never look like an ID number; copy.sh
checks the office set with wardctl classify once after making it.
"""
import base64
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

SEED = 20220125
OFFICE_BYTES = 1024 * 1024 * 1024
MIN_SIZE, MAX_SIZE = 50 * 1024, 8 * 1024 * 1024
FORMATS = ["docx", "odt", "xlsx", "pdf", "txt"]

WORDS = (
    "本府 各單位 辦理 春節 值勤 排班 會議 紀錄 例行 事項 業務 協調 報告 說明 公告 "
    "預算 採購 工程 進度 檢討 改善 計畫 執行 成效 評估 民眾 服務 申請 案件 處理 "
    "環境 清潔 交通 疏導 觀光 活動 宣導 防疫 措施 衛生 教育 文化 社會 福利 "
    "農業 漁業 水利 道路 維護 颱風 防災 演練 消防 安全 檢查 會同 辦理 承辦 "
    "科長 課長 專員 科員 主任 秘書 處長 鄉長 鎮長 縣長 議會 質詢 答復 函文 "
    "附件 如下 請查照 辦理情形 後續 追蹤 列管 結案 核定 核備 備查 彙整 提報"
).split()
ENGLISH = (
    "meeting minutes schedule budget review project progress report public service "
    "tourism festival traffic cleaning inspection drill typhoon road maintenance "
    "agenda follow-up summary attachment office department county township"
).split()


def sentence(rng):
    n = rng.randint(8, 24)
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.2:
        words.insert(rng.randint(0, n), rng.choice(ENGLISH))
    return "".join(words) + "。"


def paragraph(rng):
    return "".join(sentence(rng) for _ in range(rng.randint(3, 8)))


def text_of(rng, nbytes):
    out, size = [], 0
    while size < nbytes:
        p = paragraph(rng)
        out.append(p)
        size += len(p.encode()) + 1
    return out


def png_noise(rng, width, height):
    """A PNG of random pixels (as incompressible as a photograph's noise)."""
    raw = bytearray()
    row = width * 3
    for _ in range(height):
        raw.append(0)
        raw += rng.randbytes(row)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(bytes(raw), 1)) + chunk(b"IEND", b""))


FODT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:body><office:text>
"""
FODT_TAIL = "</office:text></office:body></office:document>\n"


def fodt(rng, target):
    """A flat ODT of about target bytes once packed (a PDF export packs its
    pictures about 3:1, so its target is given three times over): text
    plus pictures."""
    text_bytes = min(target // 4, rng.randint(4000, 60000))
    parts = [FODT_HEAD]
    for p in text_of(rng, text_bytes):
        parts.append("<text:p>%s</text:p>\n" % p)
    left = target - text_bytes // 3
    k = 0
    while left > 20000:
        side = int(math.sqrt(min(left, rng.randint(200_000, 900_000)) / 3))
        png = png_noise(rng, side, side)
        left -= len(png)
        k += 1
        parts.append(
            '<text:p><draw:frame draw:name="p%d" svg:width="8cm" svg:height="8cm" '
            'text:anchor-type="as-char"><draw:image><office:binary-data>%s'
            "</office:binary-data></draw:image></draw:frame></text:p>\n"
            "<text:p>%s</text:p>\n" % (k, base64.b64encode(png).decode(), paragraph(rng)))
    parts.append(FODT_TAIL)
    return "".join(parts)


def csv(rng, target):
    """A spreadsheet's worth of figures (an xlsx of them is about as large
    as the text)."""
    rows, size = [], 0
    head = ",".join(rng.choice(WORDS) for _ in range(8))
    rows.append(head)
    while size < target:
        r = [rng.choice(WORDS)] + ["%.2f" % (rng.random() * 1e5) for _ in range(7)]
        line = ",".join(r)
        rows.append(line)
        size += len(line) + 1
    return "\n".join(rows) + "\n"


def soffice(profile, fmt, outdir, files, infilter=None):
    if not files:
        return
    cmd = ["soffice", "-env:UserInstallation=file://" + profile, "--headless",
           "--norestore", "--convert-to", fmt, "--outdir", outdir]
    if infilter:
        cmd += ["--infilter=" + infilter]
    for i in range(0, len(files), 40):
        subprocess.run(cmd + files[i:i + 40], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=3600)


def make_office(out):
    rng = random.Random(SEED)
    work = tempfile.mkdtemp(prefix="ward-copy-sets.")
    profile = os.path.join(work, "profile")
    todo = {f: [] for f in FORMATS}
    total, i = 0, 0
    try:
        while total < OFFICE_BYTES:
            fmt = FORMATS[i % len(FORMATS)]
            if fmt == "xlsx":  # figures grow slowly in LibreOffice: kept smaller
                size = int(math.exp(rng.uniform(math.log(MIN_SIZE), math.log(2 << 20))))
            else:
                size = int(math.exp(rng.uniform(math.log(MIN_SIZE), math.log(MAX_SIZE))))
            name = "%s-%04d" % (fmt, i)
            if fmt == "txt":
                with open(os.path.join(out, name + ".txt"), "w") as f:
                    f.write("\n".join(text_of(rng, size)) + "\n")
            elif fmt == "xlsx":
                src = os.path.join(work, name + ".csv")
                with open(src, "w") as f:
                    f.write(csv(rng, size))
                todo[fmt].append(src)
            else:
                src = os.path.join(work, name + ".fodt")
                with open(src, "w") as f:
                    f.write(fodt(rng, size * 3 if fmt == "pdf" else size))
                todo[fmt].append(src)
            total += size
            i += 1
        soffice(profile, "xlsx", out, todo["xlsx"], "CSV:44,34,76,1")
        for fmt in ("docx", "odt", "pdf"):
            soffice(profile, fmt, out, todo[fmt])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def make_small(out):
    rng = random.Random(SEED + 1)
    for i in range(2000):
        size = rng.randint(4 * 1024, 64 * 1024)
        d = os.path.join(out, "dir%02d" % (i // 100))
        os.makedirs(d, exist_ok=True)
        if i % 2:
            body = "\n".join(text_of(rng, size)).encode()[:size]
            name = "memo%04d.txt" % i
        else:
            lines, n = [], 0
            while n < size:
                w = rng.choice(ENGLISH)
                line = "static int %s_%d(int x) { return x * %d + %d; }" % (
                    w.replace("-", "_"), n, rng.randint(2, 99), rng.randint(0, 9999))
                lines.append(line)
                n += len(line) + 1
            body = ("\n".join(lines) + "\n").encode()[:size]
            name = "src%04d.c" % i
        with open(os.path.join(d, name), "wb") as f:
            f.write(body)


def make_media(out):
    """An MP4 whose boxes tile the file exactly: ftyp (size, type, brands),
    then one mdat of random data to the end of the file, its size in the
    64-bit form as large recordings have it; a strict reader finds nothing
    amiss."""
    rng = random.Random(SEED + 2)
    size = 2 * 1024 ** 3
    brands = b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    head = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    mdat = size - len(head)
    head += struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", mdat)
    left = size - len(head)
    with open(os.path.join(out, "video.mp4"), "wb") as f:
        f.write(head)
        block = rng.randbytes(1 << 20)
        k = 0
        while left > 0:
            n = min(left, len(block))
            f.write(block[k % 1000:] + block[:k % 1000] if n == len(block) else block[:n])
            left -= n
            k += 1
        if f.tell() != size:
            sys.exit("copy-sets.py: the video is %d bytes, not %d" % (f.tell(), size))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("office", "small", "media"):
        sys.exit("usage: copy-sets.py office|small|media DIR")
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    {"office": make_office, "small": make_small, "media": make_media}[sys.argv[1]](out)


if __name__ == "__main__":
    main()
