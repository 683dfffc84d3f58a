"""The micro-batcher and the scorer's batched path: each caller gets its own answer, failures reach all."""

from __future__ import annotations

import asyncio

import pytest

from model import CommentInput
from service.scoring.batching import MicroBatcher
from service.scoring.scorer import Scorer

TEXTS = [
    "Thanks for the clear write-up of the vote.",
    "BUY CHEAP PILLS NOW http://pills.example.com http://pills.example.com",
    "You are an idiot and everyone here hates you.",
    "Europe will have to lead now.",
    "Check out my channel and subscribe!!!",
    "The second chart's axis looks mislabeled.",
]


def test_concurrent_calls_are_one_batch_and_each_gets_its_own_result() -> None:
    calls: list[list[int]] = []

    def double(items: list[int]) -> list[int]:
        calls.append(list(items))
        return [2 * i for i in items]

    async def run() -> list[int]:
        batcher: MicroBatcher[int, int] = MicroBatcher(double, max_batch=32, max_delay=0.01)
        return await asyncio.gather(*(batcher.submit(i) for i in range(10)))

    assert asyncio.run(run()) == [2 * i for i in range(10)]
    assert calls == [list(range(10))]


def test_a_full_batch_goes_at_once_and_the_rest_follow() -> None:
    calls: list[int] = []

    def identity(items: list[int]) -> list[int]:
        calls.append(len(items))
        return items

    async def run() -> list[int]:
        batcher: MicroBatcher[int, int] = MicroBatcher(identity, max_batch=4, max_delay=0.01)
        return await asyncio.gather(*(batcher.submit(i) for i in range(10)))

    assert asyncio.run(run()) == list(range(10))
    assert calls == [4, 4, 2]


def test_a_failing_batch_fails_every_member_and_the_next_batch_works() -> None:
    def flaky(items: list[int]) -> list[int]:
        if 3 in items:
            raise RuntimeError("boom")
        return items

    async def run() -> tuple[list[object], int]:
        batcher: MicroBatcher[int, int] = MicroBatcher(flaky, max_batch=32, max_delay=0.005)
        failed = await asyncio.gather(*(batcher.submit(i) for i in range(5)), return_exceptions=True)
        return failed, await batcher.submit(7)

    failed, later = asyncio.run(run())
    assert all(isinstance(f, RuntimeError) for f in failed)
    assert later == 7


def test_a_wrong_number_of_results_is_an_error_for_all() -> None:
    async def run() -> list[object]:
        batcher: MicroBatcher[int, int] = MicroBatcher(lambda items: items[:-1], max_batch=32, max_delay=0.005)
        return await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)

    assert all(isinstance(r, RuntimeError) for r in asyncio.run(run()))


def test_concurrent_comments_get_the_scores_they_would_get_alone(scorer: Scorer) -> None:
    alone = [scorer.score(text, "Jane Reader", "") for text in TEXTS]

    async def run() -> list[object]:
        return await asyncio.gather(*(scorer.score_soon(text, "Jane Reader", "") for text in TEXTS))

    together = asyncio.run(run())
    for single, batched in zip(alone, together, strict=True):
        assert batched.model_version == single.model_version
        assert batched.scores is not None and single.scores is not None
        assert batched.scores.spam == pytest.approx(single.scores.spam, abs=1e-9)
        assert batched.scores.toxicity == pytest.approx(single.scores.toxicity, abs=1e-9)
        assert batched.scores.signals == single.scores.signals
    spam = together[1].scores.spam  # type: ignore[attr-defined]
    assert spam > together[0].scores.spam  # type: ignore[attr-defined]  # not everybody got the same answer


class BrokenClassifier:
    """Stands in for a model artifact that fails at scoring time."""

    version = "broken-1"
    card: dict[str, object] = {}

    def score(self, items: list[CommentInput]) -> list[object]:
        raise ValueError("corrupt weights")


def test_a_failing_model_gives_none_to_every_member_of_a_batch(scorer: Scorer) -> None:
    broken = Scorer(scorer.classifier)
    broken.swap(BrokenClassifier())  # type: ignore[arg-type]

    async def run() -> list[object]:
        return await asyncio.gather(*(broken.score_soon(text, "Jane Reader", "") for text in TEXTS))

    results = asyncio.run(run())
    assert len(results) == len(TEXTS)
    assert all(r.scores is None and r.model_version == "broken-1" for r in results)  # type: ignore[attr-defined]
    assert broken.score("hello", "Jane", "").scores is None  # the one-off path never raises either
