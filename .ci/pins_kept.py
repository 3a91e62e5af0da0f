"""Exits non-zero unless every package pinned in the file given (one
``name==version`` per line, ``#`` comments) is installed at that version:
installing the package must not have upgraded any of them."""

import sys
from importlib import metadata


def main(path):
    wrong = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, version = line.split("==")
            installed = metadata.version(name)
            if installed != version:
                wrong.append(f"{name} {installed} (pinned {version})")
    if wrong:
        print("Installing the package changed: " + ", ".join(wrong))
        return 1
    print(f"Every pin of {path} kept.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
