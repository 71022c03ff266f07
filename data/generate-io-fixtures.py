#!/usr/bin/env python3
"""Tiny committed fixtures for @concord/io tests that must run without Python.

Writes data/fixtures/io/*.npy|*.npz|*.mat and data/fixtures/io/manifest.json (the expected dtype, shape and
C-order values of every array, computed here by numpy/scipy). Deterministic: re-running gives identical files.

    python3 data/generate-io-fixtures.py        # needs numpy; scipy for the MAT fixtures

The big-endian MAT file is written byte by byte below (scipy only writes native order) and checked by reading it
back with scipy.io.loadmat.
"""
import io
import json
import os
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "io")
os.makedirs(OUT, exist_ok=True)
manifest = {"generator": "data/generate-io-fixtures.py", "numpy": np.__version__, "npy": {}, "npz": {}, "mat": {}}


def values(a):
    """C-order values as JSON: numbers, or decimal strings for 64-bit integers (exact), booleans as 0/1."""
    flat = np.ascontiguousarray(a).reshape(-1)
    if a.dtype.kind in "iu" and a.dtype.itemsize == 8:
        return [str(int(v)) for v in flat]
    if a.dtype.kind == "b":
        return [int(v) for v in flat]
    return [float(v) if a.dtype.kind == "f" else int(v) for v in flat]


def describe(a):
    return {"dtype": "bool" if a.dtype.kind == "b" else a.dtype.newbyteorder("=").name, "shape": list(a.shape), "values": values(a)}


def save_npy(name, a, version=None):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        if version is None:
            np.save(f, a)
        else:
            np.lib.format.write_array(f, a, version=version)
    manifest["npy"][name] = describe(a)


base = np.arange(12, dtype=np.float64).reshape(3, 4) / 8 - 0.5
save_npy("f8_c.npy", base)
save_npy("f4_fortran.npy", np.asfortranarray(base.astype(np.float32)))
save_npy("i4_big_endian.npy", (np.arange(6).reshape(2, 3) * -1000).astype(">i4"))
save_npy("f8_big_endian_fortran.npy", np.asfortranarray(base.astype(">f8")))
save_npy("u1_vector.npy", np.array([0, 1, 127, 128, 255], dtype=np.uint8))
save_npy("bool_2x2.npy", np.array([[True, False], [False, True]]))
save_npy("i8_extremes.npy", np.array([-(2**63), -1, 2**63 - 1], dtype=np.int64))
save_npy("u8_big.npy", np.array([0, 2**64 - 1], dtype=np.uint64))
save_npy("i2_3d.npy", np.arange(24, dtype=np.int16).reshape(2, 3, 4) - 12)
save_npy("f8_scalar.npy", np.array(3.25))
save_npy("f8_empty.npy", np.zeros((0, 3)))
save_npy("f8_v2.npy", base[:2, :2].copy(), version=(2, 0))
save_npy("f8_v3.npy", base[:2, :3].copy(), version=(3, 0))

for name, compress in (("stored.npz", False), ("deflated.npz", True)):
    arrays = {"a": base, "b": np.array([1, 2, 3], dtype=np.int32)}
    (np.savez_compressed if compress else np.savez)(os.path.join(OUT, name), **arrays)
    manifest["npz"][name] = {k: describe(v) for k, v in arrays.items()}

# ---- MAT v5 (scipy) --------------------------------------------------------------------------------------------
try:
    import scipy.io as sio
except ImportError:  # pragma: no cover
    sio = None

if sio is not None:
    mat_vars = {
        "x": base,
        "s": np.float32([[1.5, -2.0, 3.25]]),
        "n": np.int16([[1, -2], [3, -4]]),
        "flag": np.array([[True, False, True]]),
        "z": np.array([[1 + 2j, 3 - 4j]]),
        "name": "héllo",
        "rows": np.array(["ab", "cd", "ef"]),
        "vol": np.arange(24, dtype=np.float64).reshape(2, 3, 4),
        "empty": np.zeros((0, 3)),
    }
    cell = np.empty((1, 2), dtype=object)
    cell[0, 0] = np.array([[1.0, 2.0]])
    cell[0, 1] = "txt"
    mat_vars["c"] = cell
    mat_vars["st"] = {"a": np.array([[7.0]]), "b": "bee"}
    sarr = np.zeros((1, 2), dtype=[("id", object), ("label", object)])
    sarr[0, 0] = (np.array([[1.0]]), "one")
    sarr[0, 1] = (np.array([[2.0]]), "two")
    mat_vars["sa"] = sarr
    import scipy.sparse as sp

    mat_vars["sp"] = sp.csc_matrix(np.array([[0.0, 2.0, 0.0], [1.5, 0.0, 0.0]]))
    for name, compress in (("v5_compressed.mat", True), ("v5_plain.mat", False)):
        sio.savemat(os.path.join(OUT, name), mat_vars, do_compression=compress, oned_as="row")
        # scipy stamps the creation time into the header text; fix it so the files are reproducible.
        with open(os.path.join(OUT, name), "r+b") as f:
            f.write(f"MATLAB 5.0 MAT-file, written by scipy.io.savemat via concord data/generate-io-fixtures.py".encode().ljust(116, b" "))
        # Reference: what scipy reads back.
        d = sio.loadmat(os.path.join(OUT, name))
        ref = {}
        for k in ("x", "s", "n", "flag", "vol", "empty"):
            ref[k] = describe(d[k])
        ref["z"] = {"shape": list(d["z"].shape), "real": values(d["z"].real), "imag": values(d["z"].imag)}
        ref["name"] = str(d["name"][0])
        ref["rows"] = [str(r) for r in d["rows"]]
        ref["c"] = {"shape": list(d["c"].shape), "first": values(d["c"][0, 0]), "second": str(d["c"][0, 1][0])}
        ref["st"] = {"a": values(d["st"][0, 0]["a"]), "b": str(d["st"][0, 0]["b"][0])}
        ref["sa"] = {"shape": list(d["sa"].shape), "labels": [str(d["sa"][0, i]["label"][0]) for i in range(2)]}
        ref["sp"] = describe(d["sp"].toarray())
        manifest["mat"][name] = ref


# ---- a big-endian MAT v5 file, written by hand ('MI' indicator) ---------------------------------------------------
def be_element(mtype, payload):
    pad = (8 - len(payload) % 8) % 8
    return struct.pack(">II", mtype, len(payload)) + payload + b"\0" * pad


def be_small(mtype, payload):
    # Small data element: byte count in the high 16 bits, type in the low 16 bits, data padded to 4 bytes.
    return struct.pack(">I", (len(payload) << 16) | mtype) + payload + b"\0" * (4 - len(payload))


def be_matrix(name, mx_class, dims, data_elements, flags=0):
    body = be_element(6, struct.pack(">II", mx_class | flags, 0))
    body += be_element(5, struct.pack(">" + "i" * len(dims), *dims))
    body += be_small(1, name.encode()) if len(name) <= 4 else be_element(1, name.encode())
    body += b"".join(data_elements)
    return be_element(14, body)


hdr = b"MATLAB 5.0 MAT-file, written by concord data/generate-io-fixtures.py (big-endian)".ljust(116, b" ")
hdr += b"\0" * 8 + struct.pack(">H", 0x0100) + b"MI"
m = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
elements = [
    # 2x3 double, column-major
    be_matrix("m", 6, [2, 3], [be_element(9, struct.pack(">6d", *m.flatten(order="F")))]),
    # a double stored as int16 (MATLAB's compact storage), small element
    be_matrix("k", 6, [1, 2], [be_small(3, struct.pack(">hh", -7, 300))]),
    # char 'hi!' as UTF-16 code units
    be_matrix("word", 4, [1, 3], [be_element(4, struct.pack(">3H", *map(ord, "hi!")))]),
]
be_path = os.path.join(OUT, "v5_big_endian.mat")
with open(be_path, "wb") as f:
    f.write(hdr + b"".join(elements))
manifest["mat"]["v5_big_endian.mat"] = {"m": describe(m), "k": {"dtype": "int16", "shape": [1, 2], "values": [-7, 300]}, "word": "hi!"}
if sio is not None:
    d = sio.loadmat(be_path)
    assert np.array_equal(d["m"], m) and d["k"].dtype.newbyteorder("=") == np.int16 and list(d["k"][0]) == [-7, 300] and d["word"][0] == "hi!"

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"wrote {len(os.listdir(OUT))} files to {OUT}")
