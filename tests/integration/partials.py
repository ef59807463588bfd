"""The hidden partials imgsh keeps of an interrupted download, for reget / get -c:
`.NAME.XXH3.imgsh-partial` beside the target, XXH3 the remote file's whole checksum.
Python 3 standard library only.
"""

import os
import re


def partial_name(name, xxh3):
    return ".%s.%s.imgsh-partial" % (name, xxh3)


def kept_partials(directory, name):
    """{xxh3: path} of every partial kept for NAME in directory."""
    pattern = re.compile(r"^\.%s\.([0-9a-f]{32})\.imgsh-partial$" % re.escape(name))
    found = {}
    for entry in os.listdir(directory):
        m = pattern.match(entry)
        if m:
            found[m.group(1)] = os.path.join(directory, entry)
    return found


def assert_only_partial(test, directory, name, original_path):
    """directory holds nothing but, at most, the partial kept for NAME (whose content is
    original_path's), and that holds a true prefix of it: what reget continues."""
    with open(original_path, "rb") as f:
        original = f.read()
    from wire import xxh3_hex
    entries = os.listdir(directory)
    if not entries:
        return 0
    test.assertEqual(entries, [partial_name(name, xxh3_hex(original))],
                     "only the hidden partial may be left in the local directory")
    with open(os.path.join(directory, entries[0]), "rb") as f:
        kept = f.read()
    test.assertLess(len(kept), len(original))
    test.assertEqual(kept, original[:len(kept)], "the partial is not the file's first bytes")
    return len(kept)
