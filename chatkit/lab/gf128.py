"""Arithmetic in GF(2^128) as AES-GCM's GHASH uses it, and the roots of polynomials over that field (notebook 15).

A field element is a 16-byte block read as a 128-bit integer. GCM numbers the bits "backwards" (NIST SP 800-38D,
section 6.3): the first bit of the block is the coefficient of x^0, so the element 1 is the block 80 00 ... 00 and
multiplying by x is a right shift. Adding two elements is XOR. The field's modulus is x^128 + x^7 + x^2 + x + 1.

>>> multiply(ONE, 0x1234) == 0x1234, multiply(0x1234, inverse(0x1234)) == ONE
(True, True)

A polynomial over the field is a list of elements, lowest degree first: [c0, c1, c2] is c0 + c1*X + c2*X^2.
`roots` finds the elements where it is zero, with no search over 2^128 values: each root r gives a factor X - r
of degree one; gcd(f, X^(2^128) - X) collects them all, and random splits then separate them (Cantor and
Zassenhaus).

>>> h = 0x5A5A << 100
>>> roots(multiply_polynomials([h, ONE], [ONE >> 3, ONE])) == sorted([h, ONE >> 3])  # (X + h)(X + x^3)
True
"""

import secrets

Polynomial = list[int]

ONE = 1 << 127  # the element 1: only the first bit of the block is set
REDUCTION = 0xE1 << 120  # x^7 + x^2 + x + 1 in GCM's bit order: what x^128 becomes (SP 800-38D, algorithm 1)
FIELD_BITS = 128
SPLIT_ATTEMPTS = 64  # each random split fails with probability about 1/2: 64 failures in a row do not happen


class RootFindingError(ValueError):
    """A polynomial was zero or would not split in the bounded number of attempts."""


def multiply(x: int, y: int) -> int:
    """Multiply two field elements (SP 800-38D, algorithm 1: add y*x^i for every bit i of x, reducing as we go)."""
    product, shifted = 0, y
    for bit in range(FIELD_BITS - 1, -1, -1):  # the block's first bit (the integer's highest) is x^0
        if x >> bit & 1:
            product ^= shifted
        shifted = (shifted >> 1) ^ REDUCTION if shifted & 1 else shifted >> 1  # times x, then reduce x^128
    return product


def power(x: int, exponent: int) -> int:
    """Raise a field element to a non-negative integer power (square and multiply)."""
    result = ONE
    while exponent:
        if exponent & 1:
            result = multiply(result, x)
        x, exponent = multiply(x, x), exponent >> 1
    return result


def inverse(x: int) -> int:
    """Invert a non-zero element: x^(2^128 - 2), since x^(2^128 - 1) = 1 for every non-zero x."""
    if x == 0:
        raise ZeroDivisionError("zero has no inverse in GF(2^128)")
    return power(x, 2**FIELD_BITS - 2)


def trimmed(f: Polynomial) -> Polynomial:
    """Drop zero coefficients at the top, so that len(f) - 1 is the degree (the zero polynomial is [])."""
    end = len(f)
    while end and f[end - 1] == 0:
        end -= 1
    return f[:end]


def add_polynomials(f: Polynomial, g: Polynomial) -> Polynomial:
    """Add (which is also subtract, in characteristic 2): XOR the coefficients of equal degree."""
    longer, shorter = (f, g) if len(f) >= len(g) else (g, f)
    return trimmed([c ^ (shorter[i] if i < len(shorter) else 0) for i, c in enumerate(longer)])


def multiply_polynomials(f: Polynomial, g: Polynomial) -> Polynomial:
    """Multiply two polynomials, coefficient by coefficient (schoolbook)."""
    product = [0] * max(len(f) + len(g) - 1, 0)
    for i, a in enumerate(f):
        for j, b in enumerate(g):
            product[i + j] ^= multiply(a, b)
    return trimmed(product)


def remainder(f: Polynomial, g: Polynomial) -> Polynomial:
    """Return f mod g (long division, keeping only the remainder); g must not be zero."""
    g = trimmed(g)
    if not g:
        raise RootFindingError("division by the zero polynomial")
    f, lead = trimmed(f), inverse(g[-1])
    while len(f) >= len(g):
        factor, shift = multiply(f[-1], lead), len(f) - len(g)
        f = add_polynomials(f, [0] * shift + [multiply(factor, c) for c in g])
    return f


def monic(f: Polynomial) -> Polynomial:
    """Scale f so that its top coefficient is 1 (the same roots)."""
    lead = inverse(f[-1])
    return [multiply(c, lead) for c in f]


def gcd(f: Polynomial, g: Polynomial) -> Polynomial:
    """Return the monic greatest common divisor of two polynomials (Euclid); [] only if both are zero."""
    f, g = trimmed(f), trimmed(g)
    while g:
        f, g = g, remainder(f, g)
    return monic(f) if f else []


def square_modulo(f: Polynomial, modulus: Polynomial) -> Polynomial:
    """Return f^2 mod modulus: in characteristic 2 the cross terms cancel, so only each coefficient is squared."""
    squared = [0] * (2 * len(f))
    for i, c in enumerate(f):
        squared[2 * i] = multiply(c, c)
    return remainder(squared, modulus)


def product_of_linear_factors(f: Polynomial) -> Polynomial:
    """Return gcd(f, X^(2^128) - X): the product of (X - r) over the distinct roots r of f in the field."""
    x_power = remainder([0, ONE], f)
    for _ in range(FIELD_BITS):  # X^(2^128) mod f, by 128 squarings
        x_power = square_modulo(x_power, f)
    return gcd(f, add_polynomials(x_power, [0, ONE]))


def trace_split(f: Polynomial) -> Polynomial:
    """Return a random factor of f, a product of linear factors: gcd(f, Tr(aX)) with Tr(y) = y + y^2 + ... y^(2^127).

    The trace is 0 for half of the field and 1 for the other half, so each root lands in the factor by a coin toss.
    """
    term = remainder([0, secrets.randbits(FIELD_BITS)], f)
    trace = term
    for _ in range(FIELD_BITS - 1):
        term = square_modulo(term, f)
        trace = add_polynomials(trace, term)
    return gcd(f, trace)


def split_roots(f: Polynomial) -> list[int]:
    """Return the roots of a monic product of distinct linear factors, splitting it at random until each is alone."""
    if len(f) == 2:
        return [f[0]]  # X + c is zero at X = c (minus is plus here)
    for _ in range(SPLIT_ATTEMPTS):
        factor = trace_split(f)
        if 1 < len(factor) < len(f):
            rest = divide_exactly(f, factor)
            return split_roots(factor) + split_roots(rest)
    raise RootFindingError(f"no split of a degree-{len(f) - 1} polynomial in {SPLIT_ATTEMPTS} attempts")


def divide_exactly(f: Polynomial, g: Polynomial) -> Polynomial:
    """Return f / g for a g that divides f (long division keeping the quotient)."""
    f, quotient, lead = list(f), [0] * (len(f) - len(g) + 1), inverse(g[-1])
    for shift in range(len(quotient) - 1, -1, -1):
        factor = multiply(f[shift + len(g) - 1], lead)
        quotient[shift] = factor
        for i, c in enumerate(g):
            f[shift + i] ^= multiply(factor, c)
    return trimmed(quotient)


def roots(f: Polynomial) -> list[int]:
    """Return the distinct roots of a non-zero polynomial in GF(2^128), sorted (none for a non-zero constant)."""
    f = trimmed(f)
    if not f:
        raise RootFindingError("expected a non-zero polynomial, got zero (every element is a root of it)")
    if len(f) == 1:
        return []
    linear = product_of_linear_factors(monic(f))
    return sorted(split_roots(linear)) if len(linear) > 1 else []
