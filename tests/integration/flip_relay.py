"""A TCP relay that corrupts one byte: for the integrity tests (checksums).

Forwards every connection to the target unchanged, except that in one direction
("c2s" client to server, "s2c" server to client) the byte at stream offset `offset` is
XORed with 0x01, once per connection. TCP checksums would never let such damage through
on loopback, so this stands in for a faulty middlebox, NIC or memory. It is the stammer
relay forwarding whole reads without delays; `flipped` counts the bytes changed.
"""

from stammer_relay import StammerRelay


class FlipRelay(StammerRelay):
    def __init__(self, target_port, direction, offset):
        assert direction in ("c2s", "s2c")
        super().__init__(target_port, min_piece=65536, max_piece=65536, max_delay=0.0,
                         flip=(direction, offset))
