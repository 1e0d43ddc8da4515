"""Personal data: the pseudonymisation key, and the one step that keeps only what indicators need.

Exports of pupils, parents and chat members carry names, SNILS, logins, birth dates and the ids
of people. :func:`protect` is the only place they are handled: driven by the ``personal``
marks of the declared form (see :mod:`helpers.ingestion.contract.forms`), it replaces identifiers by
pseudonyms, turns SNILS and logins into validity flags and birth dates into ages at the
snapshot date, and drops every other personal column, before anything is written.

Pseudonyms are keyed hashes (BLAKE2b with a 256-bit key, 64-bit output stored as a signed
integer): the same person gets the same pseudonym in every table and every run, so pupils join
their parents, but without the key nobody can go back from a pseudonym to the id, nor test a
guessed id. Integers rather than text: the warehouse stores and compresses 100 million of them
nationally, and as 20 hex digits they were a third of its build time and a fifth of its size
(``make bench``). Two people of a region with one pseudonym (about one chance in 10⁷ for a
region of two million ids) would repeat a key, which ingestion refuses, not merge them. The
key is ``SFERUM_SECRET`` from the environment or from ``.env`` in the project root; on the
first run without one a random key is generated and written to ``.env`` (git-ignored), and a
warning says so. The warehouse keeps the key's fingerprint (:func:`key_fingerprint`): an
ingestion with another key (``.env`` deleted or replaced) is refused with a message saying what
happened and what to do, unless ``SFERUM_NEW_KEY=1`` says the change is meant.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from dotenv import dotenv_values

from helpers.config import PROJECT_ROOT
from helpers.ingestion.contract import snils
from helpers.ingestion.contract.columnar import arrow_strings
from helpers.ingestion.contract.forms import Form

SECRET_VARIABLE = "SFERUM_SECRET"  # noqa: S105 -- the variable's name, not a secret
ENV_FILE = PROJECT_ROOT / ".env"
DIGEST_BYTES = 8  # 64 bits: one signed integer
PSEUDONYM = pd.ArrowDtype(pa.int64())  # missing stays missing


def secret(env_file: Path = ENV_FILE) -> bytes:
    """The pseudonymisation key: ``SFERUM_SECRET`` of the environment, else of ``env_file``.

    When neither has one, a new random key is appended to ``env_file`` (created readable by
    its owner only) and returned.
    """
    value = os.environ.get(SECRET_VARIABLE, "").strip()
    if not value and env_file.exists():
        value = (dotenv_values(env_file).get(SECRET_VARIABLE) or "").strip()
    if not value:
        value = secrets.token_hex(32)
        new = not env_file.exists()
        with env_file.open("a", encoding="utf-8") as handle:
            handle.write("# Ключ псевдонимизации (создан автоматически; не публиковать)\n"
                         f"{SECRET_VARIABLE}={value}\n")
        if new:
            env_file.chmod(0o600)
        sys.stderr.write(f"ПРЕДУПРЕЖДЕНИЕ: создан новый ключ псевдонимизации {SECRET_VARIABLE} "
                         f"в {env_file} (храните его: с другим ключом псевдонимы людей будут "
                         f"другими) / a new pseudonymisation key was written\n")
    return value.encode("utf-8")


def key_fingerprint(key: bytes) -> str:
    """A short public fingerprint of the key (kept with the warehouse, printed in messages):
    it tells two keys apart and says nothing about the key itself."""
    return hashlib.blake2b(key, digest_size=8, person=b"sferum-key-id").hexdigest()


class Pseudonymizer:
    """Keyed hashes of identifiers; each distinct value of a column is hashed once.

    The pseudonyms made are kept (as arrow arrays) so that lists of identifiers met before
    (a parent's «Идентификаторы детей» are the pupils' ids) are looked up in C, not hashed again.
    """

    def __init__(self, key: bytes):
        self._key = hashlib.blake2b(key, digest_size=32, person=b"sferum-pseudo").digest()
        # the keyed state, copied for each value: the same digests, a third faster than
        # setting the key up again for each of a region's millions of identifiers
        self._keyed = hashlib.blake2b(key=self._key, digest_size=DIGEST_BYTES)
        self._seen: list[pa.Array] = []
        self._made: list[pa.Array] = []

    def one(self, value: str) -> int:
        digest = hashlib.blake2b(value.encode("utf-8"), key=self._key,
                                 digest_size=DIGEST_BYTES).digest()
        return int.from_bytes(digest, "little", signed=True)

    def __call__(self, values: pd.Series, *, seen_before: bool = False) -> pd.Series:
        """The pseudonym of each identifier (missing stays missing); ``seen_before``: most of
        them were pseudonymised already by this instance (look them up first)."""
        return pd.Series(self._array(values, seen_before), index=values.index, dtype=PSEUDONYM)

    def _array(self, values: pd.Series, seen_before: bool) -> pa.Array:
        cells = arrow_strings(values)
        if seen_before and self._seen:
            return self._lookup(cells)
        encoded = pc.dictionary_encode(cells)  # a missing cell has a missing index: stays missing
        return self._hash(encoded.dictionary).take(encoded.indices)

    def _hash(self, uniques: pa.Array) -> pa.Array:
        """The pseudonyms of distinct identifiers, kept for :meth:`_lookup`."""
        copy, made = self._keyed.copy, []
        for value in uniques.to_pylist():
            digest = copy()
            digest.update(value.encode("utf-8"))
            made.append(digest.digest())
        hashed = pa.array(np.frombuffer(b"".join(made), dtype="<i8"))
        self._seen.append(uniques.cast(pa.string()))
        self._made.append(hashed)
        return hashed

    def _lookup(self, values: pa.Array) -> pa.Array:
        """Pseudonyms made before, taken from the kept arrays; the others hashed."""
        seen, made = pa.concat_arrays(self._seen), pa.concat_arrays(self._made)
        found = made.take(pc.index_in(values, value_set=seen))
        new = pc.and_(found.is_null(), values.is_valid())
        if not pc.any(new).as_py():
            return found
        unseen = pc.unique(values.filter(new))
        hashed = self._hash(unseen)
        return pc.coalesce(found, hashed.take(pc.index_in(values, value_set=unseen)))

    def lists(self, values: pd.Series) -> pd.Series:
        """Comma-separated lists of identifiers as lists of pseudonyms (missing stays missing)."""
        lists = pc.split_pattern(arrow_strings(values), ",")
        items = pd.Series(pd.arrays.ArrowStringArray(pc.list_flatten(lists)))
        hashed = self._array(items, seen_before=True)
        listed = pa.ListArray.from_arrays(lists.offsets, hashed, mask=lists.is_null())
        return pd.Series(listed, index=values.index, dtype=pd.ArrowDtype(listed.type))


def ages(birth: pd.Series, at: pd.Series) -> pd.Series:
    """Whole years from each birth date to the matching date of ``at`` (missing stays missing)."""
    birth, at = pd.to_datetime(birth), pd.to_datetime(at)
    before_birthday = (at.dt.month < birth.dt.month) | (
        (at.dt.month == birth.dt.month) & (at.dt.day < birth.dt.day))
    years = at.dt.year - birth.dt.year - before_birthday.astype("int64")
    return years.astype("Int64").where(birth.notna())


def protect(frame: pd.DataFrame, form: Form, pseudonyms: Pseudonymizer) -> pd.DataFrame:
    """The frame without personal data: pseudonyms, flags and ages in place of what the form
    marks ``personal`` (see the module's docstring), each where its column was; every other
    column as it is."""
    personal = {c.name: c for c in form.personal_columns}
    out: dict[str, pd.Series] = {}
    for name, values in frame.items():
        column = personal.get(str(name))
        if column is None:
            out[str(name)] = values
        elif column.personal == "pseudonym":
            out[column.name] = (pseudonyms.lists(values) if column.kind == "id_list"
                                else pseudonyms(values))
        elif column.personal == "flags":
            out[f"{column.name}_present"] = values.notna()
            if column.kind == "snils":
                out[f"{column.name}_valid"] = snils.validity(values)
        elif column.personal == "age":
            if form.date_column is None or form.date_column not in frame:
                raise ValueError(f"{form.name}: age needs the snapshot date column")
            out["age"] = ages(values, frame[form.date_column])
    return pd.DataFrame(out, index=frame.index)
