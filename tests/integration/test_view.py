"""view in the terminal (tmux as the terminal, assertions on the captured screen) and
get --thumb, both through the thumb op of a real imgsrv.

view NAME draws the server's thumbnail with libchafa, in Unicode block symbols inside
tmux, sized to the window: the area covered keeps the image's aspect ratio (cells are
twice as tall as wide), and a red image shows red cells. view PATTERN draws a contact
sheet with the names under the tiles. Not on a terminal, view refuses and prints
nothing. get --thumb saves a file identify reads with the right size, never overwrites.
"""

import os
import re
import subprocess
import unittest

from checks import IntegrationTest
from tmux_screen import TmuxScreen

BLOCKS = re.compile("[\u2580-\u259f]+")


def convert(*args):
    subprocess.run(["convert", *args], check=True, timeout=60, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def block_rows(text):
    """The runs of block symbols on each screen line that has some."""
    return [max(BLOCKS.findall(line), key=len) for line in text.splitlines() if BLOCKS.search(line)]


class ViewTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        convert("-size", "400x200", "xc:red", self.root_path("red.jpg"))
        convert("-size", "100x400", "xc:blue", self.root_path("tall.png"))
        self.server = self.start_server()

    def open(self, width, height):
        env = self.shell_env()
        env["XDG_STATE_HOME"] = self.mkdir("state")
        screen = TmuxScreen(self, [self.server.addr], self.work, env, width=width, height=height)
        screen.wait_prompt()
        return screen

    def coloured_screen(self, screen):
        return screen._tmux("capture-pane", "-e", "-p", "-t", "t").stdout.decode(errors="replace")

    def test_view_draws_a_landscape_across_the_window(self):
        s = self.open(60, 24)
        s.type("view red.jpg")
        s.keys("Enter")
        text = s.wait_for("view red.jpg ok", 60)
        rows = block_rows(text)
        # 400x200 in 60 columns of 1:2 cells: 60 wide, 60 * 200/400 / 2 = 15 tall (21 fit).
        self.assertEqual(len(rows), 15, text)
        self.assertEqual({len(r) for r in rows}, {60}, text)
        self.assertIn("400x200 thumbnail in 60x15 cells (block symbols)", text.replace("\n", ""))
        colours = self.coloured_screen(s)
        # Red as 256-colour index 196 or as direct RGB, whichever the terminal takes.
        self.assertTrue("38;5;196m" in colours or "38;2;255;0;0m" in colours, colours[:400])

    def test_view_fits_a_portrait_to_the_window_height(self):
        s = self.open(80, 24)
        s.type("view tall.png")
        s.keys("Enter")
        text = s.wait_for("view tall.png ok", 60)
        rows = block_rows(text)
        # 21 rows are left (command line, report, prompt); 100x400 in 21 rows of 1:2
        # cells: 21 * 100/400 * 2 = 10.5 wide.
        self.assertEqual(len(rows), 21, text)
        widths = {len(r) for r in rows}
        self.assertEqual(len(widths), 1, text)
        self.assertIn(widths.pop(), (10, 11), text)
        colours = self.coloured_screen(s)
        self.assertTrue("38;5;21m" in colours or "38;2;0;0;255m" in colours, colours[:400])

    def test_view_pattern_draws_a_contact_sheet_with_names(self):
        s = self.open(80, 30)
        s.type("view *")
        s.keys("Enter")
        text = s.wait_for("2 of 2 images drawn", 60)
        captions = [line for line in text.splitlines() if "red.jpg" in line and "tall.png" in line]
        self.assertEqual(len(captions), 1, text)
        self.assertLess(captions[0].index("red.jpg"), captions[0].index("tall.png"), "sorted by name")
        self.assertTrue(block_rows(text), text)

    def test_view_refuses_when_stdout_is_not_a_terminal(self):
        res = self.imgsh(self.server.addr, input="view red.jpg\n")
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("stdout is not one", res.stderr)
        self.assertEqual(res.stdout, "", "nothing drawn into a pipe")

    def test_get_thumb_saves_a_thumbnail_and_never_overwrites(self):
        res = self.imgsh(self.server.addr, "get", "--thumb", "64", "red.jpg")
        self.assertOk(res, "get", "red.jpg")
        saved = self.work_path("red_64.jpg")
        size = subprocess.run(["identify", "-format", "%m %w %h", saved], stdout=subprocess.PIPE, check=True)
        self.assertEqual(size.stdout.decode(), "JPEG 64 32")
        before = os.stat(saved)
        again = self.imgsh(self.server.addr, "get", "--thumb", "64", "red.jpg")
        self.assertFail(again, "exists", "get", "red.jpg")
        self.assertEqual(os.stat(saved).st_mtime_ns, before.st_mtime_ns)
        named = self.imgsh(self.server.addr, "get", "--thumb", "32", "tall.png", "small.png")
        self.assertOk(named, "get", "tall.png")
        size = subprocess.run(["identify", "-format", "%w %h", self.work_path("small.png")], stdout=subprocess.PIPE,
                              check=True)
        self.assertEqual(size.stdout.decode(), "8 32")

    def test_get_thumb_edge_out_of_range_is_refused_before_sending(self):
        res = self.imgsh(self.server.addr, "get", "--thumb", "8", "red.jpg")
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("EDGE: 16..1024", res.stderr)
        self.assertEqual(sorted(os.listdir(self.work)), sorted(os.listdir(self.work)))
        self.assertFalse(os.path.exists(self.work_path("red_8.jpg")))


if __name__ == "__main__":
    unittest.main()
