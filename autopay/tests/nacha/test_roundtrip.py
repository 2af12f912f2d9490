"""Round trip (issue 10 "Must show"): any file we write reads back to the same entries;
every record is 94 characters, the line count a multiple of ten, hash and totals right."""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from autopay.nacha import NachaFormatError, nacha_file_read, nacha_file_write

from .strategies import batch_lists, file_headers


def _as_written(text: str, length: int) -> str:
    """What a field holds once written: transliterated, upper case, cut to its length."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return plain.upper()[:length]


@settings(max_examples=150, deadline=None)
@given(header=file_headers, batches=batch_lists)
def test_any_written_file_reads_back_to_the_same_entries(header, batches):
    # when
    written = nacha_file_write(header=header, batches=batches)
    ach = nacha_file_read(written.text)
    # then: the shape
    lines = written.text.splitlines()
    assert all(len(line) == 94 for line in lines)
    assert len(lines) % 10 == 0 and ach.block_count == len(lines) // 10
    assert ach.warnings == []
    assert len(ach.batches) == len(batches)
    # then: every entry as it was given
    for given_batch, read, result in zip(batches, ach.batches, written.batches, strict=True):
        assert read.effective_date == given_batch.effective_date
        assert read.company_id == given_batch.company_id
        assert read.service_class == (200 if given_batch.offset else 225)
        debits = read.entries[: len(given_batch.entries)]
        given_debits = zip(given_batch.entries, debits, result.trace_numbers, strict=True)
        for given_entry, entry, trace in given_debits:
            assert entry.routing_number == given_entry.routing_number
            assert entry.account_number == given_entry.account_number
            assert entry.amount == given_entry.amount
            assert entry.transaction_code == (27 if given_entry.account_type == "checking" else 37)
            assert entry.individual_id == given_entry.individual_id
            # the reader trims names, and addenda on the right only
            assert entry.individual_name == _as_written(given_entry.individual_name, 22).strip()
            infos = [a.payment_info for a in entry.addenda]
            expected_infos = [_as_written(given_entry.addenda, 80).rstrip()]
            assert infos == (expected_infos if given_entry.addenda else [])
            assert entry.trace_number == trace
        # then: the batch controls, computed here from what was given
        expected_hash = sum(int(e.routing_number[:8]) for e in given_batch.entries)
        expected_debit = sum(int(e.amount * 100) for e in given_batch.entries)
        if given_batch.offset:
            (credit,) = read.entries[len(given_batch.entries) :]
            assert credit.transaction_code in (22, 32)
            assert credit.amount_cents == expected_debit
            expected_hash += int(given_batch.offset.routing_number[:8])
        else:
            assert len(read.entries) == len(given_batch.entries)
        assert read.entry_hash == expected_hash % 10**10
        assert read.total_debit_cents == expected_debit
        assert read.total_credit_cents == (expected_debit if given_batch.offset else 0)
    # then: the file control
    traces = [t for b in written.batches for t in b.trace_numbers]
    assert len(set(traces)) == len(traces)
    assert ach.entry_hash == sum(b.entry_hash for b in ach.batches) % 10**10
    assert ach.total_debit_cents == sum(b.total_debit_cents for b in ach.batches)
    assert ach.entry_count == sum(sum(e.record_count for e in b.entries) for b in ach.batches)


@settings(max_examples=100, deadline=None)
@given(
    header=file_headers,
    batches=batch_lists,
    edits=st.lists(
        st.tuples(st.integers(0, 10**6), st.sampled_from(" 0123456789AZ-*\r\x00é")),
        min_size=1,
        max_size=4,
    ),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_a_damaged_file_reads_or_is_refused_naming_a_line_never_crashes(
    header, batches, edits, cut
):
    # given: a written file with characters changed and perhaps cut short
    text = list(nacha_file_write(header=header, batches=batches).text)
    for position, char in edits:
        text[position % len(text)] = char
    damaged = "".join(text)[: None if cut is None else cut % len(text)]
    # when / then: only our error, with the line where the file went wrong
    for data in (damaged, damaged.encode("utf-8")):
        try:
            nacha_file_read(data)
        except NachaFormatError as error:
            assert error.line is not None or "empty" in str(error)
