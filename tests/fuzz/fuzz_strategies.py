"""Hypothesis strategies for hostile files: structure-aware (IDX, .npy headers, .npz members,
PredRNN arrays) and byte-level mutations of valid files."""

from __future__ import annotations

import gzip
import io
import json
import struct
import zipfile

import numpy as np
from hypothesis import strategies as st

# ------------------------------------------------------------------------------ building blocks

BIG = [0, 1, 2, 3, 255, 256, 2**16 - 1, 2**31 - 1, 2**31, 2**32 - 1, 2**62, 2**63 - 1, 2**63,
       2**64, 10**30]


def ints(lo: int = 0, hi: int = 70) -> st.SearchStrategy[int]:
    """Mostly small whole numbers, sometimes an edge value."""
    return st.one_of(st.integers(lo, hi), st.sampled_from(BIG), st.integers(-5, -1))


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    return buf.getvalue()


def npy_with_header(header: str, data: bytes, version: int = 1) -> bytes:
    raw = header.encode("latin1", "replace")
    if version == 1:
        pad = (-(10 + len(raw) + 1)) % 64
        raw = raw + b" " * pad + b"\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(raw) % 65536) + raw + data
    pad = (-(12 + len(raw) + 1)) % 64
    raw = raw + b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(raw)) + raw + data


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    header = struct.pack(f">BBBB{array.ndim}I", 0, 0, code, array.ndim, *array.shape)
    return header + array.astype(">u1" if code == 0x08 else array.dtype).tobytes()


# ------------------------------------------------------------------------------ .npy headers

DESCRS = ["|u1", "<f4", "<f8", "<i4", "|b1", "<U10", "|S5", "|O", "<V8", "<c8", "<M8[s]",
          "foo", "", "<u1", ">f4", "<f2", "[('a', '<i4')]"]


@st.composite
def npy_files(draw: st.DrawFn) -> bytes:
    """A .npy file whose header is built from parts, some of them hostile."""
    descr = draw(st.sampled_from(DESCRS))
    dims = draw(st.lists(ints(0, 12), min_size=0, max_size=6))
    shape_text = draw(st.sampled_from(["plain", "bools", "nested", "signs", "junk", "long"]))
    if shape_text == "plain":
        shape = "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"
    elif shape_text == "bools":
        shape = "(True, " + ", ".join(str(d) for d in dims) + ")"
    elif shape_text == "nested":
        depth = draw(st.integers(1, 3000))
        shape = "(" * depth + "1" + ")" * depth
    elif shape_text == "signs":
        shape = "(" + "-" * draw(st.integers(1, 5000)) + "1,)"
    elif shape_text == "long":
        shape = "(" + "1, " * draw(st.integers(30, 200)) + ")"
    else:
        shape = draw(st.text(max_size=20))
    fortran = draw(st.sampled_from(["False", "True", "0", "'x'"]))
    descr_text = descr if descr.startswith("[") else repr(descr)
    header = f"{{'descr': {descr_text}, 'fortran_order': {fortran}, 'shape': {shape}, }}"
    if draw(st.booleans()):
        header = header[: draw(st.integers(0, len(header)))]  # cut inside the header
    n = 1
    for d in dims:
        n *= max(d, 0)
    nbytes = min(n, 4096) + draw(st.integers(-8, 8))
    data = draw(st.binary(min_size=max(nbytes, 0), max_size=max(nbytes, 0))) \
        if nbytes <= 256 else bytes(max(nbytes, 0))
    return npy_with_header(header, data, draw(st.sampled_from([1, 2, 3, 4])))


# ------------------------------------------------------------------------------ .npz members

METHODS = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]


@st.composite
def frames_arrays(draw: st.DrawFn) -> np.ndarray:
    n, t = draw(st.integers(0, 3)), draw(st.integers(0, 4))
    h, w = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    dtype = draw(st.sampled_from([np.uint8, np.float32, np.int16]))
    return np.zeros((n, t, h, w), dtype)


@st.composite
def npz_files(draw: st.DrawFn) -> bytes:
    """Our .npz layout with members chosen, shaped and compressed by hypothesis."""
    frames = draw(frames_arrays())
    n, t = frames.shape[:2]
    d = draw(st.integers(1, 3))
    members: dict[str, bytes] = {"frames.npy": npy_bytes(frames)}
    if draw(st.booleans()):
        truth = {
            "labels": np.zeros((n, d), np.int16), "digit_index": np.zeros((n, d), np.int64),
            "positions": np.zeros((n, t, d, 2), np.int32), "start": np.zeros((n, d, 2)),
            "velocity": np.zeros((n, t, d, 2)), "boxes": np.zeros((n, t, d, 4), np.int32),
        }
        drop = draw(st.sets(st.sampled_from(sorted(truth)), max_size=2))
        for key, value in truth.items():
            if key not in drop:
                members[f"{key}.npy"] = npy_bytes(value)
    config = draw(st.sampled_from(["ok", "nested", "list", "bad", "bytes", "none"]))
    if config == "ok":
        members["config.npy"] = npy_bytes(np.array(json.dumps({"seed": 1})))
    elif config == "nested":
        depth = draw(st.integers(10, 5000))
        members["config.npy"] = npy_bytes(np.array("[" * depth + "]" * depth))
    elif config == "list":
        members["config.npy"] = npy_bytes(np.array("[1, 2]"))
    elif config == "bad":
        members["config.npy"] = npy_bytes(np.array("{nope"))
    elif config == "bytes":
        members["config.npy"] = npy_bytes(np.array(b"\xff\xfe{}"))
    if draw(st.booleans()):
        members["frames.npy"] = draw(npy_files())
    method = draw(st.sampled_from(METHODS))
    return patch_zip(draw, zip_bytes(members, method))


def patch_zip(draw: st.DrawFn, data: bytes) -> bytes:
    """Sometimes forge one field of a central-directory entry: sizes, CRC, flags, version,
    method, name length."""
    if not draw(st.booleans()):
        return data
    buf = bytearray(data)
    entries = [i for i in range(len(buf) - 4) if buf[i:i + 4] == b"PK\x01\x02"]
    if not entries:
        return data
    at = draw(st.sampled_from(entries))
    field = draw(st.sampled_from([(6, 2), (8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (42, 4)]))
    off, size = field
    value = draw(st.sampled_from([0, 1, 0x800, 99, 2**16 - 1, 2**31, 2**32 - 1,
                                  draw(st.integers(0, 2**32 - 1))]))
    buf[at + off:at + off + size] = (value % (1 << (8 * size))).to_bytes(size, "little")
    return bytes(buf)


@st.composite
def predrnn_files(draw: st.DrawFn) -> bytes:
    """PredRNN .npz: clips, dims and input_raw_data with hostile numbers."""
    n = draw(st.integers(0, 3))
    rows = draw(st.integers(0, 12))
    h, w = draw(st.integers(0, 6)), draw(st.integers(0, 6))
    c = draw(st.sampled_from([1, 1, 1, 3, 0]))
    big = st.one_of(st.integers(-3, 14), st.sampled_from([2**31 - 1, -(2**31), 2**62, 2**63 - 1,
                                                          -(2**63)]))
    clips = np.array(draw(st.lists(big, min_size=4 * n, max_size=4 * n)) or [0] * (4 * n),
                     dtype=np.int64).reshape(2, n, 2)
    clips = clips.astype(draw(st.sampled_from([np.int64, np.int32, np.uint64])), copy=False) \
        if np.all(clips >= 0) else clips
    dims = np.array([[c, h, w]], dtype=np.int32)
    data = np.zeros((rows, c, h, w), draw(st.sampled_from([np.float32, np.uint8, np.float64])))
    members = {"clips.npy": npy_bytes(clips), "dims.npy": npy_bytes(dims),
               "input_raw_data.npy": npy_bytes(data)}
    return zip_bytes(members, draw(st.sampled_from(METHODS[:2])))


# ------------------------------------------------------------------------------ IDX


@st.composite
def idx_files(draw: st.DrawFn) -> bytes:
    """An IDX stream (raw or gzip, single or multi-member) with a hostile header."""
    code = draw(st.sampled_from([0x08, 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0xFF]))
    ndim = draw(st.integers(0, 9))
    dims = draw(st.lists(st.one_of(st.integers(0, 6), st.sampled_from([2**32 - 1, 2**31,
                                                                       1_300_000])),
                         min_size=ndim, max_size=ndim))
    head = bytes([0, draw(st.sampled_from([0, 0, 0, 1])), code, ndim])
    head += b"".join(d.to_bytes(4, "big") for d in dims)
    n = 1
    for d in dims:
        n *= d
    itemsize = {0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}.get(code, 1)
    want = min(n * itemsize, 2000) + draw(st.integers(-3, 3))
    body = draw(st.binary(min_size=max(want, 0), max_size=max(want, 0)))
    raw = head + body
    packing = draw(st.sampled_from(["raw", "gzip", "multi", "cut"]))
    if packing == "raw":
        return raw
    if packing == "gzip":
        return gzip.compress(raw, mtime=0)
    if packing == "multi":
        cut = draw(st.integers(0, len(raw)))
        return gzip.compress(raw[:cut], mtime=0) + gzip.compress(raw[cut:], mtime=0)
    data = gzip.compress(raw, mtime=0)
    return data[: draw(st.integers(0, len(data)))]


# ------------------------------------------------------------------------------ mutation


@st.composite
def mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few bytes flipped, a piece cut out, duplicated, or the end cut off."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "flip", "set", "cut", "dup", "truncate", "insert"]))
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[pos] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80, ord("("), ord("[")]))
        elif op == "cut":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "dup":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[pos:]
        else:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)
