"""Look-alike names and log injection (issue 12, items 7 and 6): names must be in
Unicode NFC and free of format characters, so two names that print the same cannot be
two files; text from a client reaches the log with every control, separator and bidi
character escaped."""
import json
import os
import unittest

from checks import IntegrationTest
from files import listing
from images import make_png_bytes

NFC_NAME = "caf\u00e9.png"        # é as one code point
NFD_NAME = "cafe\u0301.png"       # e + COMBINING ACUTE ACCENT: prints the same
RLO_NAME = "x\u202egnp.jpg"       # prints as "xgpj.png" reversed: a disguised name
ZW_NAME = "a\u200bb.png"          # zero width space


class UnicodeNames(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()

    def stored(self):
        return listing(self.server.root)

    def test_lookalike_names_are_refused_and_nothing_is_stored(self):
        data = make_png_bytes(8, 8)
        c = self.raw_client(self.server.port)
        c.hello()
        for name, rule in ((NFD_NAME, "NFC"), (RLO_NAME, "U+202E"), (ZW_NAME, "U+200B")):
            with self.subTest(name=ascii(name)):
                reply = c.put_inline(name, data)
                self.assertError(reply, "invalid_name", "put %a" % name)
                self.assertIn(rule, reply.get("message", ""))
                self.assertSessionGoesOn(c, "after put %a" % name)
        # The announce-then-body exchange is refused before the body too.
        reply = c.request("put", body_len=0, name=NFD_NAME, size=2 * 1024 * 1024)[0]
        self.assertError(reply, "invalid_name", "announced put of the NFD name")
        self.assertEqual(self.stored(), [], "a refused name left something in the root")

    def test_nfc_name_round_trips(self):
        data = make_png_bytes(8, 8)
        c = self.raw_client(self.server.port)
        c.hello()
        self.assertEqual(c.put_inline(NFC_NAME, data).get("status"), "ok")
        self.assertEqual(self.stored(), [NFC_NAME])
        reply, body = c.request("get", name=NFC_NAME)
        self.assertEqual(reply.get("status"), "ok")
        self.assertEqual(body, data)
        # The NFD spelling does not find the NFC file: it is not a name at all.
        self.assertError(c.request("stat", name=NFD_NAME)[0], "invalid_name", "stat of the NFD spelling")

    def test_nfd_file_placed_by_hand_is_neither_listed_nor_served(self):
        # Consistent with every other name the rules refuse: list skips it, and
        # stat/get answer invalid_name, so the store never shows two look-alikes.
        with open(os.path.join(self.server.root, NFD_NAME), "wb") as f:
            f.write(make_png_bytes(8, 8))
        with open(os.path.join(self.server.root, NFC_NAME), "wb") as f:
            f.write(make_png_bytes(8, 8))
        c = self.raw_client(self.server.port)
        c.hello()
        reply, body = c.request("list")
        self.assertEqual(reply.get("status"), "ok")
        self.assertEqual([e["name"] for e in json.loads(body)], [NFC_NAME])
        self.assertError(c.request("get", name=NFD_NAME)[0], "invalid_name", "get of a hand-placed NFD file")

    def test_log_lines_escape_controls_separators_and_bidi(self):
        hostile = "\u009b31m\u009c\u2028\u2029\u202e\u200b\u0085\x1b\x7f"
        escaped = "\\u{009B}31m\\u{009C}\\u{2028}\\u{2029}\\u{202E}\\u{200B}\\u{0085}\\x1b\\x7f"
        c = self.raw_client(self.server.port)
        reply, _ = c.request("hello", version=1, client="evil" + hostile)
        self.assertEqual(reply.get("status"), "ok")
        self.assertError(c.request("stat", name="n" + hostile + ".png")[0], "invalid_name", "stat")
        c.close()
        self.server.wait_log(r"stat n\\u\{009B\}")
        log = self.server.log_text()
        self.assertIn("evil" + escaped, log)
        self.assertIn("stat n" + escaped + ".png", log)
        for raw in ("\u009b", "\u009c", "\u2028", "\u2029", "\u202e", "\u200b", "\u0085", "\x1b", "\x7f"):
            self.assertNotIn(raw, log, "raw %a reached the log" % raw)


if __name__ == "__main__":
    unittest.main()
