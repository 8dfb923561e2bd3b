"""Fetch the page's JavaScript from the npm registry into a cache, and copy it into the site.

Nothing third-party is kept in the repository: `npm pack` downloads each package's tarball once (npm checks its
integrity), and the files a page needs are copied out of it into the site's assets/ folder, with their licences.
"""

import fnmatch
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from chatkit.book.errors import BookError

NPM_SECONDS = 300


@dataclass(frozen=True)
class Package:
    """An npm package at a pinned version, the files a page needs from it, and where they go in the site."""

    name: str
    version: str
    files: tuple[str, ...]  # patterns inside the tarball's package/ folder
    folder: str  # under the site's assets/

    @property
    def spec(self) -> str:
        """Return what npm is asked for: name@version."""
        return f"{self.name}@{self.version}"

    @property
    def tarball(self) -> str:
        """Return the file name `npm pack` gives this package (a scope's @ dropped and its / made a dash)."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


# The widget renderer matches ipywidgets 8 (widget state version 2); the fonts are its icons. Each package's
# package.json (its name, version and licence) goes along, with the licence texts the tarball has.
PACKAGES = (
    Package("requirejs", "2.3.8", ("require.js", "package.json"), "requirejs"),
    Package(
        "@jupyter-widgets/html-manager",
        "1.0.15",
        ("dist/embed-amd.js", "dist/*.woff2", "dist/*.woff", "dist/*.ttf", "dist/*.eot", "dist/*.svg")
        + ("dist/embed.js.LICENSE.txt", "package.json"),
        "html-manager",
    ),
    Package("mathjax", "3.2.2", ("es5/tex-svg-full.js", "LICENSE", "package.json"), "mathjax"),
    Package("mermaid", "11.12.0", ("dist/mermaid.min.js", "LICENSE", "package.json"), "mermaid"),
)


def default_cache() -> Path:
    """Return the folder the tarballs are kept in between builds (XDG's cache folder, or ~/.cache)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "chatkit" / "npm"


def find_npm() -> str:
    """Return the npm command, or say plainly that it is missing and what to do."""
    npm = shutil.which("npm")
    if npm is None:
        raise BookError(
            "the book needs npm to fetch the widget renderer, MathJax and Mermaid (expected `npm` on PATH, "
            "found none): install Node.js and npm (for example `apt-get install npm`) and build again "
            "(tarballs already in the cache folder are used without npm), or build with --no-npm (no scripts)"
        )
    return npm


def fetch(package: Package, cache: Path) -> Path:
    """Return the package's tarball from the cache, downloading it with `npm pack` the first time."""
    tarball = cache / package.tarball
    if tarball.is_file():
        return tarball
    cache.mkdir(parents=True, exist_ok=True)
    command = [find_npm(), "pack", "--json", "--pack-destination", str(cache), package.spec]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=NPM_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise BookError(f"`npm pack {package.spec}` did not finish in {NPM_SECONDS} s") from None
    if done.returncode != 0:
        raise BookError(f"`npm pack {package.spec}` failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    packed = cache / packed_name(done.stdout, package)
    if packed != tarball:
        packed.replace(tarball)
    return tarball


def packed_name(printed: str, package: Package) -> str:
    """Read the tarball's file name from what `npm pack --json` printed."""
    try:
        name: str = json.loads(printed)[0]["filename"]
    except (ValueError, LookupError, TypeError):
        raise BookError(
            f"expected `npm pack {package.spec}` to print JSON naming its tarball, got {printed[:200]!r}"
        ) from None
    return name


def wanted(member: tarfile.TarInfo, package: Package) -> str | None:
    """Return a tarball member's path inside package/ if the page needs it, else None."""
    inside = member.name.removeprefix("package/")
    if not member.isfile() or inside == member.name:
        return None
    return inside if any(fnmatch.fnmatch(inside, pattern) for pattern in package.files) else None


def unpack(tarball: Path, package: Package, assets: Path) -> list[Path]:
    """Copy the files the page needs out of a tarball into assets/FOLDER/, flat; return where they went."""
    target = assets / package.folder
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            inside = wanted(member, package)
            source = archive.extractfile(member) if inside else None
            if inside is None or source is None:
                continue
            destination = target / Path(inside).name  # flat, so a member's path can never leave the folder
            with source, destination.open("wb") as out:
                shutil.copyfileobj(source, out)
            copied.append(destination)
    return copied


def vendor_assets(site: Path, cache: Path) -> None:
    """Put every package's files into site/assets/, fetching what the cache does not hold yet."""
    for package in PACKAGES:
        copied = unpack(fetch(package, cache), package, site / "assets")
        names = {path.name for path in copied}
        missing = [pattern for pattern in package.files if not fnmatch.filter(names, Path(pattern).name)]
        if missing:
            raise BookError(f"{package.spec} should hold {missing}, but its tarball has no such file")
