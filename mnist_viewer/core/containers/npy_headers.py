"""``.npy`` headers parsed by a small strict parser of their documented form (a Python dict
literal with ``descr``, ``fortran_order`` and ``shape``; numpy's format specification,
``numpy.lib.format``), never by :mod:`ast`, so deeply nested input cannot blow the stack.
"""

from __future__ import annotations

import math
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np

from ..errors import DataError
from .limits import (
    _ALLOWED_KINDS,
    MAX_DIM,
    MAX_NDIM,
    MAX_NPY_HEADER,
    check_regular_file,
    short_numbers,
)

# ----------------------------------------------------------------------------------- .npy


@dataclass(frozen=True)
class NpyHeader:
    """What a ``.npy`` header declares."""

    shape: tuple[int, ...]
    fortran: bool
    dtype: np.dtype
    header_len: int  # bytes before the data, magic included

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


_TOKEN = re.compile(r"""\s*(?:(?P<str>'[^'\\]*'|"[^"\\]*")|(?P<int>-?\d+)L?|(?P<name>[A-Za-z_]\w*)
                     |(?P<punct>[{}():,\[\]]))""", re.VERBOSE)


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"unexpected character {text[pos:pos + 1]!r} in the header")
        kind = m.lastgroup or ""
        yield kind, m.group(kind)
        pos = m.end()


def parse_header_dict(text: str) -> dict[str, object]:
    """The ``.npy`` header dict: ``{'descr': str, 'fortran_order': bool, 'shape': (ints)}``.

    A strict parser of exactly that form (no nesting beyond the shape tuple); ValueError for
    anything else, including structured dtypes (a list as ``descr``).
    """
    toks = list(_tokens(text))
    out: dict[str, object] = {}
    i = 0

    def take(kind: str, value: str | None = None) -> str:
        nonlocal i
        if i >= len(toks) or toks[i][0] != kind or (value is not None and toks[i][1] != value):
            got = toks[i][1] if i < len(toks) else "the end"
            raise ValueError(f"expected {value or kind} in the header, found {got!r}")
        i += 1
        return toks[i - 1][1]

    take("punct", "{")
    while not (i < len(toks) and toks[i] == ("punct", "}")):
        key = take("str")[1:-1]
        take("punct", ":")
        if key in out:
            raise ValueError(f"key {key!r} twice in the header")
        if key == "descr":
            if i < len(toks) and toks[i][0] != "str":
                raise ValueError("structured dtypes are not supported")
            out[key] = take("str")[1:-1]
        elif key == "fortran_order":
            word = take("name")
            if word not in ("True", "False"):
                raise ValueError(f"fortran_order must be True or False, not {word}")
            out[key] = word == "True"
        elif key == "shape":
            take("punct", "(")
            dims: list[int] = []
            while not (i < len(toks) and toks[i] == ("punct", ")")):
                if len(dims) >= MAX_NDIM:
                    raise ValueError(f"more than {MAX_NDIM} dimensions")
                dims.append(int(take("int")))
                if i < len(toks) and toks[i] == ("punct", ","):
                    i += 1
                elif not (i < len(toks) and toks[i] == ("punct", ")")):
                    raise ValueError("the shape must be a tuple of whole numbers")
            take("punct", ")")
            out[key] = tuple(dims)
        else:
            raise ValueError(f"unexpected key {key!r} in the header")
        if i < len(toks) and toks[i] == ("punct", ","):
            i += 1
    take("punct", "}")
    if i != len(toks):
        raise ValueError("text after the header dict")
    missing = {"descr", "fortran_order", "shape"} - set(out)
    if missing:
        raise ValueError(f"header without {', '.join(sorted(missing))}")
    return out


def _read_exact(fp: IO[bytes], n: int, what: str) -> bytes:
    data = fp.read(n)
    if len(data) != n:
        raise ValueError(f"cut short in the {what}")
    return data


def read_npy_header(fp: IO[bytes], where: str | os.PathLike[str]) -> NpyHeader:
    """The header of a ``.npy`` stream positioned at its start; DataError naming ``where``.

    Checks: the magic and version (1.0, 2.0, 3.0), a header of at most :data:`MAX_NPY_HEADER`
    bytes in the documented dict form, a plain dtype (no objects, which would need unpickling;
    no structured or void dtypes), whole non-negative dimensions of at most :data:`MAX_DIM`.
    ``header_len`` counts the bytes before the data. Errors reading ``fp`` (a corrupt zip
    member) become DataError too.
    """
    try:
        magic = _read_exact(fp, 8, "magic")
        if magic[:6] != b"\x93NUMPY":
            raise ValueError("bad magic (not a .npy array)")
        version = (magic[6], magic[7])
        if version == (1, 0):
            (hlen,) = struct.unpack("<H", _read_exact(fp, 2, "header length"))
            start = 10
        elif version in ((2, 0), (3, 0)):
            (hlen,) = struct.unpack("<I", _read_exact(fp, 4, "header length"))
            start = 12
        else:
            raise ValueError(f"unsupported .npy version {version[0]}.{version[1]}")
        if hlen > MAX_NPY_HEADER:
            raise ValueError(f"a header of {hlen:,} bytes (at most {MAX_NPY_HEADER:,})")
        raw = _read_exact(fp, hlen, "header")
        text = raw.decode("utf-8" if version == (3, 0) else "latin1")
        fields = parse_header_dict(text)
        dtype = np.dtype(str(fields["descr"]))
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError, struct.error) as exc:
        raise DataError(where, f"not a valid .npy array ({exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise DataError(where, f"cannot read the array header ({exc})") from None
    if dtype.hasobject:
        raise DataError(where, "contains pickled Python objects, which are refused for safety")
    if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None or dtype.subdtype:
        raise DataError(where, f"unsupported dtype {dtype} (numbers or strings only)")
    shape: tuple[int, ...] = tuple(fields["shape"])  # type: ignore[arg-type]
    if any(d < 0 or d > MAX_DIM for d in shape) or \
            math.prod(d for d in shape if d) * dtype.itemsize >= 2**62:
        raise DataError(where, short_numbers(f"impossible shape {shape}"))
    return NpyHeader(shape, bool(fields["fortran_order"]), dtype, start + hlen)


def read_npy_file(path: str | os.PathLike[str]) -> tuple[NpyHeader, int]:
    """(header, file size) of a ``.npy`` file, checked to hold all the data it declares."""
    size = check_regular_file(path)
    try:
        with open(path, "rb") as fp:
            head = read_npy_header(fp, path)
    except OSError as exc:
        raise DataError(path, exc.strerror or str(exc)) from None
    if size < head.header_len + head.nbytes:
        raise DataError(path, f"truncated: the header declares {head.nbytes:,} bytes of data "
                              f"but the file holds {max(0, size - head.header_len):,}")
    return head, size
