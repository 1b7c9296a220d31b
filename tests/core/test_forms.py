"""core.forms: every generic form error names its field; a message a field sets itself stays."""

from django import forms

from core.forms import NamedErrorsMixin


class Sample(NamedErrorsMixin, forms.Form):
    place = forms.CharField(label="调解地点", max_length=5)
    held_on = forms.DateField(label="调解日期")
    held_at = forms.DateTimeField(label="调解时间")
    method = forms.ChoiceField(label="回访方式", choices=[("visit", "上门")])
    people = forms.IntegerField(label="涉及人数")
    photo = forms.FileField(label="照片")
    agreed = forms.BooleanField(label="已阅读告知")
    note = forms.CharField(label="说明：", error_messages={"required": "说明写上理由。"})


def test_required_messages_name_the_field():
    errors = Sample(data={}).errors
    assert errors["place"] == ["请填写调解地点。"]
    assert errors["held_on"] == ["请填写调解日期。"]
    assert errors["method"] == ["请选择回访方式。"]
    assert errors["photo"] == ["请选择要上传的照片。"]
    assert errors["agreed"] == ["请选择已阅读告知。"]
    assert errors["note"] == ["说明写上理由。"]  # its own message is kept


def test_invalid_messages_name_the_field_and_what_to_type():
    errors = Sample(
        data={
            "place": "东村村委会会议室",
            "held_on": "12/01",
            "held_at": "明天",
            "method": "x",
            "people": "三",
        }
    ).errors
    assert errors["place"] == ["调解地点最多 5 个字（现在 8 个）。"]
    assert errors["held_on"] == ["调解日期：请按“年-月-日”填写日期，例如 2026-12-01。"]
    assert errors["held_at"] == ["调解时间：请填写完整的日期和时间。"]
    assert errors["method"] == ["回访方式：请从列表中选择。"]
    assert errors["people"] == ["涉及人数：请填写数字。"]


def test_one_form_does_not_change_another():
    Sample(data={})
    assert forms.CharField().error_messages["required"] != "请填写调解地点。"
    assert str(Sample.base_fields["place"].error_messages["required"]) != "请填写调解地点。"
