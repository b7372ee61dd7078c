"""Settings: secrets never reach a repr (and so never a log line or a traceback)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import Settings

SECRETS = {"llm_api_key": "sk-test-5ecr3t-key", "chroma_token": "chroma-t0ken-xyz"}


def test_secrets_are_not_in_repr_or_str():
    s = Settings(**SECRETS)
    for value in SECRETS.values():
        assert value not in repr(s)
        assert value not in str(s)
    # the values are still there for the code that needs them
    assert s.llm_api_key == SECRETS["llm_api_key"] and s.chroma_token == SECRETS["chroma_token"]


def test_secrets_from_env_are_not_in_repr():
    s = Settings.from_env({"BOT_LLM_API_KEY": SECRETS["llm_api_key"],
                           "BOT_CHROMA_TOKEN": SECRETS["chroma_token"]})
    assert SECRETS["llm_api_key"] not in repr(s) and SECRETS["chroma_token"] not in repr(s)


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_every_secret_field_is_marked_repr_false(name):
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    assert fields[name].repr is False
