"""What the notebooks and exercises share: the live stage, a network relay, exercise loading and checking.

Attack *solutions* are not here: they live with the instructor material (notebooks/instructor/).
"""

from chatkit.lab.relay import TO_CLIENT, TO_SERVER, Captured, Relay
from chatkit.lab.stage import Stage, fresh_start, passphrase_bits, random_password

__all__ = ["TO_CLIENT", "TO_SERVER", "Captured", "Relay", "Stage", "fresh_start", "passphrase_bits", "random_password"]
