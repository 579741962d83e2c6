"""The campaign rules without the web: the preview's words and figures, senders, saving."""

import pytest
from sqlalchemy import select

from portal.campaigns.service import (
    CampaignRuleError,
    build_preview,
    character_limit,
    choose_sender,
    delete_campaign,
    save_campaign,
)
from portal.extensions import db
from portal.models import AuditEvent, Campaign, User
from portal.sms.segments import GSM7, UCS2
from portal.tenancy import account_scope


def test_plain_text_is_standard_characters_in_one_sms():
    preview = build_preview("Your order has shipped.", max_parts=6)
    assert preview.encoding == "Standard characters"
    assert not preview.is_unicode
    assert (preview.used, preview.left, preview.parts) == (23, 137, 1)
    assert preview.problem is None
    assert preview.characters == ()


def test_one_polish_letter_makes_the_whole_message_unicode_with_70_per_sms():
    preview = build_preview("Dzień dobry", max_parts=6)
    assert preview.encoding == "Unicode (special characters)"
    assert preview.single_capacity == 70
    assert preview.left == 70 - 11
    [character] = preview.characters
    assert character.name == "Latin small letter n with acute"
    assert (character.outcome, character.becomes) == ("Can become", "n")
    assert preview.can_replace


def test_161_standard_characters_take_two_sms_split_at_153():
    preview = build_preview("a" * 161, max_parts=6)
    assert preview.parts == 2
    assert [part.units for part in preview.split] == [153, 8]
    assert preview.left == 153 - 8


def test_characters_forcing_unicode_are_marked_where_they_occur():
    preview = build_preview("Zażółć", max_parts=6)
    pieces = preview.split[0].pieces
    assert [(piece.text, piece.kind) for piece in pieces] == [
        ("Za", "plain"),
        ("ż", "unicode"),
        ("ó", "unicode"),
        ("ł", "unicode"),
        ("ć", "unicode"),
    ]
    assert pieces[1].title == "Latin small letter z with dot above"


def test_invisible_characters_get_a_visible_placeholder_named_in_its_title():
    preview = build_preview("Hi\u00a0there\u200b!", max_parts=6)
    marked = [piece for piece in preview.split[0].pieces if piece.kind == "invisible"]
    assert [(piece.text, piece.title) for piece in marked] == [
        ("␣", "No-break space (invisible)"),
        ("◌", "Zero width space (invisible)"),
    ]
    assert [(character.outcome, character.becomes) for character in preview.characters] == [
        ("Can become a plain space.", None),
        ("Can be removed.", None),
    ]


def test_emoji_stay_and_are_named_without_offering_a_replacement():
    preview = build_preview("Thanks 😀😀", max_parts=6)
    [emoji] = preview.characters
    assert (emoji.name, emoji.count, emoji.replaceable) == ("Grinning face", 2, False)
    assert "stays" in emoji.outcome
    assert not preview.can_replace


def test_parts_are_marked_as_they_cross_each_part_boundary():
    text = "ą" * 70 + "b"
    preview = build_preview(text, max_parts=6)
    assert [part.units for part in preview.split] == [67, 4]
    assert "".join(piece.text for part in preview.split for piece in part.pieces) == text


def test_empty_message_is_explained_not_counted():
    preview = build_preview("  \n ", max_parts=6)
    assert preview.is_empty
    assert "empty" in preview.problem


def test_over_the_limit_names_the_limit_and_how_much_to_remove():
    preview = build_preview("a" * 919, max_parts=6)
    assert preview.parts == 7
    assert preview.split[-1].over_limit and not preview.split[5].over_limit
    assert "at most 6 SMS (918 standard characters, or 402 with special characters)" in preview.problem
    assert preview.problem.endswith("Remove at least 1 character.")
    assert preview.is_over_limit
    assert build_preview("a" * 920, max_parts=6).problem.endswith("Remove at least 2 characters.")
    assert not build_preview("a" * 918, max_parts=6).is_over_limit


def test_limit_follows_the_configured_number_of_parts():
    assert character_limit(GSM7, 6) == 918
    assert character_limit(UCS2, 6) == 402
    assert character_limit(GSM7, 1) == 160
    assert "at most 2 SMS (306 standard characters, or 134" in build_preview("a" * 307, max_parts=2).problem


def test_double_characters_are_pointed_out_in_standard_text():
    assert build_preview("Only 5€", max_parts=6).has_double_characters
    assert build_preview("Only 5", max_parts=6).used == 6
    assert build_preview("Only 5€", max_parts=6).used == 8


@pytest.fixture
def scope(app, account):
    """An app context acting as the account's member, as a request would."""
    with app.app_context(), account_scope(account.account_id):
        yield db.session.get(User, account.member_id)


def save(account, member, message="Hello!", sender_name_id=None, campaign=None, max_parts=6):
    return save_campaign(
        campaign,
        account_id=account.account_id,
        by=member,
        name="  Spring sale ",
        sender_name_id=sender_name_id,
        message=message,
        max_parts=max_parts,
    )


def test_saving_stores_the_message_normalised_as_it_was_counted(scope, account):
    campaign = save(account, scope, message="Line one\r\nCafe\u0301")
    assert campaign.message == "Line one\nCafé"
    assert campaign.name == "Spring sale"
    assert campaign.status == "draft"
    assert campaign.created_by_id == account.member_id


def test_saving_over_the_limit_is_refused_and_stores_nothing(scope, account):
    with pytest.raises(CampaignRuleError) as refused:
        save(account, scope, message="ą" * 403)
    assert refused.value.field == "message"
    assert "at most 6 SMS" in str(refused.value)
    assert db.session.scalar(select(Campaign)) is None


def test_only_active_sender_names_can_be_chosen(scope, account, make_sender):
    active = make_sender(account.account_id, "ARETO")
    pending = make_sender(account.account_id, "WAITING", status="pending")
    assert choose_sender(account.account_id, None) is None
    assert choose_sender(account.account_id, active).name == "ARETO"
    with pytest.raises(CampaignRuleError) as refused:
        choose_sender(account.account_id, pending)
    assert refused.value.field == "sender"
    assert str(refused.value) == (
        "“WAITING” is still waiting for approval by SMSAPI: "
        "choose an active sender name or the account default."
    )


def test_another_accounts_sender_name_is_refused(scope, account, make_account, make_sender):
    other = make_account("Beta")
    foreign = make_sender(other.account_id, "BETA")
    with pytest.raises(CampaignRuleError, match="Choose a sender name from the list."):
        choose_sender(account.account_id, foreign)


def test_creating_editing_and_deleting_are_recorded_in_the_audit_trail(scope, account):
    campaign = save(account, scope)
    save(account, scope, message="Changed", campaign=campaign)
    delete_campaign(campaign, scope)
    actions = list(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("campaign.")))
    )
    assert sorted(actions) == ["campaign.created", "campaign.deleted", "campaign.edited"]
