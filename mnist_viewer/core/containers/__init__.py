"""The one layer that reads untrusted containers: ``.npy`` headers, zip (``.npz``) members, gzip.

Every reader of user files goes through here, so that a forged or damaged file is refused with
a :class:`DataError` naming it (one line) before anything large is allocated or inflated:

* ``.npy`` headers are parsed by a small strict parser of their documented form (a Python dict
  literal with ``descr``, ``fortran_order`` and ``shape``; numpy's format specification,
  ``numpy.lib.format``), never by :mod:`ast`, so deeply nested input cannot blow the stack;
* zip members are checked for their compression method, encryption, "version needed", and
  for sizes that fit the file they are in; what is read is checked against its CRC-32;
* deflate and gzip streams are inflated in bounded pieces, never beyond what was declared.

The limits are the named constants of :mod:`.limits`, in one place. Modules: :mod:`.limits`,
:mod:`.npy_headers`, :mod:`.zip_members`, :mod:`.gzip_streams`; this package re-exports them.
"""

from .gzip_streams import gunzip
from .limits import (
    CHUNK,
    MAX_BOMB_RATIO,
    MAX_DEFLATE_RATIO,
    MAX_DIM,
    MAX_INFLATE_IN_MEMORY,
    MAX_METADATA_BYTES,
    MAX_NDIM,
    MAX_NPY_HEADER,
    MAX_SEQUENCES,
    MAX_ZIP_VERSION,
    MEMORY_HEADROOM,
    ZIP_METHODS,
    available_memory,
    check_disk,
    check_exists,
    check_memory,
    check_ratio,
    check_regular_file,
    human,
    short_numbers,
)
from .npy_headers import NpyHeader, parse_header_dict, read_npy_file, read_npy_header
from .zip_members import (
    Member,
    array_from_bytes,
    check_member,
    inflate_member_to_file,
    member_array,
    open_zip,
    read_member,
    read_member_header,
    temporary_folder,
    verify_crc,
)

__all__ = [
    "CHUNK",
    "MAX_BOMB_RATIO",
    "MAX_DEFLATE_RATIO",
    "MAX_DIM",
    "MAX_INFLATE_IN_MEMORY",
    "MAX_METADATA_BYTES",
    "MAX_NDIM",
    "MAX_NPY_HEADER",
    "MAX_SEQUENCES",
    "MAX_ZIP_VERSION",
    "MEMORY_HEADROOM",
    "ZIP_METHODS",
    "Member",
    "NpyHeader",
    "array_from_bytes",
    "available_memory",
    "check_disk",
    "check_exists",
    "check_member",
    "check_memory",
    "check_ratio",
    "check_regular_file",
    "gunzip",
    "human",
    "inflate_member_to_file",
    "member_array",
    "open_zip",
    "parse_header_dict",
    "read_member",
    "read_member_header",
    "read_npy_file",
    "read_npy_header",
    "short_numbers",
    "temporary_folder",
    "verify_crc",
]
