"""The composer in real Chromium: the preview follows the typing and never gets in its way."""


import pytest
from playwright.sync_api import expect

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def composer(page, account):
    sign_in(page, account.member_email)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.goto("/campaigns/new")
    return page


def message(page):
    return page.get_by_label("Message")


def preview(page):
    return page.locator("#preview")


def test_plain_message_shows_standard_characters(composer):
    message(composer).press_sequentially("See you on Monday!")
    expect(preview(composer)).to_contain_text("Standard characters")
    expect(preview(composer)).to_contain_text("Estimated cost: 1 SMS per recipient.")


def test_one_polish_letter_switches_to_unicode_with_70_per_sms(composer):
    message(composer).press_sequentially("Hello")
    expect(preview(composer)).to_contain_text("Standard characters")
    message(composer).press_sequentially("ą")
    expect(preview(composer)).to_contain_text("Unicode (special characters)")
    expect(preview(composer)).to_contain_text("70 characters fit in one SMS")
    expect(preview(composer).locator("mark.char-unicode").first).to_have_attribute(
        "title", "Latin small letter a with ogonek"
    )


def test_replace_button_turns_polish_letters_into_standard_ones(composer):
    message(composer).press_sequentially("Zażółć")
    expect(preview(composer)).to_contain_text("Unicode (special characters)")
    composer.get_by_role("button", name="Replace with standard characters").click()
    expect(message(composer)).to_have_value("Zazolc")
    expect(preview(composer)).to_contain_text("Standard characters")
    message(composer).press_sequentially(" ę")
    expect(preview(composer)).to_contain_text("Unicode (special characters)")


def test_161_characters_take_two_sms(composer):
    message(composer).fill("a" * 160)
    message(composer).press_sequentially("a")
    expect(composer.locator(".sms-part")).to_have_count(2)
    expect(preview(composer)).to_contain_text("SMS 2 of 2 · 8 characters")
    expect(preview(composer)).to_contain_text("Estimated cost: 2 SMS per recipient.")


def test_typing_is_never_disturbed_by_the_preview(composer):
    text = "Dear customer, your order has shipped and arrives on Monday. Zażółć gęślą jaźń! " * 2
    message(composer).click()
    composer.keyboard.type(text, delay=15)
    expect(message(composer)).to_have_value(text)
    expect(preview(composer).locator(".preview-stats")).to_contain_text(str(len(text)))
    composer.keyboard.press("Control+Home")
    composer.keyboard.type("Hi! ", delay=60)
    expect(message(composer)).to_have_value("Hi! " + text)


def test_draft_is_saved_and_listed(composer):
    composer.get_by_label("Campaign name").fill("Monday reminder")
    message(composer).press_sequentially("See you on Monday!")
    composer.get_by_role("button", name="Save draft").click()
    expect(composer.locator(".flash-success")).to_contain_text("Draft “Monday reminder” saved.")
    expect(composer.locator("table")).to_contain_text("1 SMS · Standard characters")


def test_composer_fits_a_phone_screen(composer):
    composer.set_viewport_size({"width": 390, "height": 844})
    message(composer).press_sequentially("Zażółć 😀")
    expect(preview(composer)).to_contain_text("Grinning face")
    assert composer.evaluate("document.documentElement.scrollWidth") <= 390
