"""Remote names the name rules refuse (PROTOCOL.md section 5), each with the code it gets;
shared by the refusal tests of both ends (test_shell_refusals, test_server_refusals)."""

LONG_NAME = "a" * 296 + ".png"  # 300 bytes

# (remote name, code): names the name rules refuse (PROTOCOL.md section 5)
HOSTILE_NAMES = [
    ("../x.png", "invalid_name"),
    ("/x.png", "invalid_name"),
    ("a/b.png", "invalid_name"),
    ("a\\b.png", "invalid_name"),
    (".x.png", "invalid_name"),
    ("..png", "invalid_name"),
    (LONG_NAME, "invalid_name"),
    ("../../etc/passwd", "invalid_name"),
    ("x.gif", "unsupported_type"),
    ("x.txt", "unsupported_type"),
    ("png", "unsupported_type"),
    ("x.png.exe", "unsupported_type"),
]

# Only the raw client can send these (a shell line cannot carry NUL or newlines).
RAW_ONLY_NAMES = [
    ("", "invalid_name"),
    ("a\x00b.png", "invalid_name"),
    ("x.png\x00.txt", "invalid_name"),
    ("a\nb.png", "invalid_name"),
    ("a\rb.png", "invalid_name"),
    ("a\tb.png", "invalid_name"),
    ("a\x1bb.png", "invalid_name"),
    ("a\x7fb.png", "invalid_name"),
    ("a\u0085b.png", "invalid_name"),  # C1 control
]
