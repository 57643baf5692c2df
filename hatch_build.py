"""Compile the validator's optional C walk, ``src/hugopipe/validate/_lexwalk.c``.

The file is plain C: no Python headers, no libraries to link. It calls lexbor through
function pointers that hugopipe hands it at run time (see hugopipe/validate/lexwalk.py).
When there is no C compiler, or it fails, the build still succeeds and the validator
walks pages in Python: the same findings, about a tenth slower.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src/hugopipe/validate/_lexwalk.c")


class LexwalkBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or sys.platform == "win32":
            return
        source = Path(self.root) / SOURCE
        library = source.with_suffix(".so")
        cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
        if not cc:
            print(
                "hugopipe: no C compiler; the validator will walk pages in Python", file=sys.stderr
            )
            return
        partial = library.with_name(f".{library.name}.{os.getpid()}")
        cmd = [cc, "-O2", "-shared", "-fPIC", "-o", str(partial), str(source)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            print(
                f"hugopipe: {cc} could not build {SOURCE}; the validator will walk pages in Python\n{done.stderr}",
                file=sys.stderr,
            )
            return
        os.replace(partial, library)  # never a half-written library next to the module
        if version != "editable":  # an editable install loads it from the source tree
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            build_data["force_include"][str(library)] = "hugopipe/validate/_lexwalk.so"
