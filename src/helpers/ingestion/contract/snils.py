"""SNILS (страховой номер индивидуального лицевого счёта): format and control number.

The algorithm of ``data/reference/snils.md`` (ПФР «Алгоритм формирования контрольного числа
Страхового номера»): the nine digits weighted 9…1 from the left, summed to ``S``; the control
number is ``S`` when ``S < 100``, ``00`` when ``S`` is 100 or 101, otherwise ``S mod 101``
with a remainder of 100 written ``00``. Numbers up to 001-001-998 are not checked.

A missing or invalid SNILS is a *finding* about the pupil or parent (counted in the diary
authorization gaps), never an ingestion error: cleaning keeps the text and these functions say
whether it is a valid number. The optional "three equal digits in a row" rule some validators
use is not in the official text and is not applied. An all-zero number is treated as invalid
(it is what registries hold when nobody typed the number in).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

WEIGHTS = np.arange(9, 0, -1)
LAST_UNCHECKED = 1_001_998  # 001-001-998: this and smaller numbers have no checkable control number
_SEPARATORS = re.compile(r"[\s\u00a0\-\u2010-\u2015.]+")


def control_number(nine_digits: str) -> int:
    """The control number (0–99) of the first nine digits of a SNILS."""
    total = sum(int(d) * w for d, w in zip(nine_digits, WEIGHTS, strict=True))
    return _control(np.array([total]))[0]


def _control(totals: np.ndarray) -> np.ndarray:
    rest = np.where(totals > 101, totals % 101, totals)
    return np.where(rest >= 100, 0, rest)


def normalize(value: object) -> str:
    """A SNILS cell as its digits (``112-233-445 95`` → ``11223344595``); other text as it is.

    A number stored by Excel as a number lost its leading zeros: they are put back.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value == value
                                  and value == int(value)):
        return str(int(value)).zfill(11)
    text = str(value).strip()
    digits = _SEPARATORS.sub("", text)
    return digits if digits.isdigit() else text


def is_valid(value: str) -> bool:
    """Eleven digits whose control number is right (or that are too small to be checked)."""
    return bool(validity(pd.Series([value], dtype=object)).iloc[0])


def validity(snils: pd.Series) -> pd.Series:
    """For normalised SNILS texts (see :func:`normalize`): ``True`` where the number is valid.

    Missing values are not valid. Vectorised on the text's bytes by arrow's kernels (no
    regular expression, no pandas mask): a region's millions of rows in a few hundredths of a
    second.
    """
    text = pa.array(snils.astype("str"))
    text = (text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text) \
        .cast(pa.large_string())
    well_formed = pc.and_(pc.equal(pc.binary_length(text), 11), pc.ascii_is_decimal(text))
    well_formed = well_formed.fill_null(False)
    result = np.zeros(len(text), dtype=bool)
    if not pc.any(well_formed).as_py():
        return pd.Series(result, index=snils.index)
    digits = _digit_matrix(text.filter(well_formed))
    number = digits[:, :9] @ (10 ** np.arange(8, -1, -1))
    stated = digits[:, 9] * 10 + digits[:, 10]
    checked = _control(digits[:, :9] @ WEIGHTS) == stated
    result[well_formed.to_numpy(zero_copy_only=False)] = \
        (number > 0) & ((number <= LAST_UNCHECKED) | checked)
    return pd.Series(result, index=snils.index)


def _digit_matrix(array: pa.LargeStringArray) -> np.ndarray:
    """Eleven-digit texts as an (n, 11) matrix of digits, read from arrow's string buffer."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + 2]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[0] + 11 * len(array)]
    return data.reshape(-1, 11).astype(np.int64) - 48


def formatted(digits: str) -> str:
    """Eleven digits written the way documents print them: ``112-233-445 95``."""
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"
