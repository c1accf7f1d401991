"""The Convolution page's channels section and the photo's channels, driven by AppTest."""

PAGE = "pages/convolution.py"


def _codes(at) -> str:
    return "\n".join(c.value for c in at.code)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_curriculum_preset_shows_456_parameters_and_the_16_6_6_6_output(app):
    at = app(PAGE, mode="channels")
    at.button(key="conv.channels.preset_cifar").click().run()
    assert not at.exception and not at.error
    assert _metrics(at)["Parameters of the convolution"] == "456"
    codes = _codes(at)
    assert "6 × 3 × 5 × 5 + 6 = 456" in codes
    assert "torch.Size([6, 3, 5, 5])" in codes and "torch.Size([16, 6, 6, 6])" in codes
    assert "x = torch.randn(16, 3, 10, 10)" in codes
    assert _metrics(at)["Parameters of a Linear layer"] == "65,016"
    assert "nn.Linear(300, 216)\n300 × 216 + 216 = 65,016" in codes
    assert at.query_params["cout"] in ("6", ["6"]) and at.query_params["kernel"] in ("5", ["5"])


def test_the_cell_sums_per_input_channel_and_agrees_with_f_conv2d(app):
    at = app(PAGE, mode="channels", cin="3", cout="2", cell="1,2", oc="1")
    codes = _codes(at)
    assert codes.count(" = ") >= 4  # three partial sums and their total
    agree = [m.value for m in at.markdown if "F.conv2d" in m.value][0]
    ours, torch_value = agree.split("**")[1], agree.split("**")[3]
    assert ours == torch_value


def test_groups_that_do_not_divide_give_the_rule_and_the_fix_repairs_them(app):
    at = app(PAGE, mode="channels")
    at.slider(key="conv.channels.cout").set_value(6).run()
    at.slider(key="conv.channels.groups").set_value(4).run()
    assert not at.exception
    assert "in\\_channels=3 is not divisible by groups=4" in at.error[0].value
    assert "groups can be 1, 3" in " ".join(c.value for c in at.caption)
    at.button(key="conv.fix").click().run()
    assert not at.error and at.slider(key="conv.channels.groups").value == 3
    assert _metrics(at)["Parameters of the convolution"] == "60"  # 6 × 1 × 3 × 3 + 6


def test_depthwise_and_pointwise_presets_change_the_weight_shape(app):
    at = app(PAGE, mode="channels")
    at.button(key="conv.channels.preset_depthwise").click().run()
    assert "torch.Size([3, 1, 3, 3])" in _codes(at) and "groups=3" in _codes(at)
    at.button(key="conv.channels.preset_pointwise").click().run()
    assert "torch.Size([3, 3, 1, 1])" in _codes(at)


def test_a_channels_link_reopens_the_section(app):
    at = app(PAGE, mode="channels", cin="2", cout="4", groups="2", size="6", kernel="3", padding="1")
    assert not at.warning
    assert at.slider(key="conv.channels.groups").value == 2
    assert "torch.Size([4, 1, 3, 3])" in _codes(at)
    bad = app(PAGE, mode="channels", cin="99")
    assert "cin=99" in bad.warning[0].value and bad.slider(key="conv.channels.cin").value == 4


def test_the_photo_goes_through_a_real_conv2d_by_default_and_depthwise_is_labelled(app):
    at = app(PAGE, mode="image")
    assert "nn.Conv2d(3, 4, kernel_size=3, bias=False)" in _codes(at)
    assert "(3, 427, 640) -> (4, 425, 638)" in _codes(at)
    at.slider(key="conv.image.cout").set_value(8).run()
    assert "-> (8, 425, 638)" in _codes(at)
    at.radio(key="conv.image.combine").set_value("depthwise").run()
    assert not at.exception
    assert "groups=3" in _codes(at) and "-> (3, 425, 638)" in _codes(at)
    assert "Depthwise" in " ".join(c.value for c in at.caption)


def test_the_derivation_and_the_pooling_note_speak_chinese(app):
    at = app(None, lang="zh", mode="pool")  # in Chinese from the start: AppTest reads format_func labels in English
    at.session_state["conv.pool.derivation"] = at.session_state["conv.pool.pool_slip"] = True  # both folds open
    at.switch_page(PAGE).run()
    text = " ".join(m.value for m in at.markdown)
    assert "向下取整" in text and "上采样" in text
    assert not at.exception


def test_the_photos_mix_table_travels_in_the_link_and_a_bad_one_is_named(app):
    at = app(PAGE, mode="image", mix="1,0,0;0,0,1")
    assert not at.warning and at.slider(key="conv.image.cout").value == 2
    assert "nn.Conv2d(3, 2, kernel_size=3, bias=False)" in _codes(at)
    assert at.query_params["mix"] in ("1,0,0;0,0,1", ["1,0,0;0,0,1"])
    bad = app(PAGE, mode="image", mix="1,2;x")
    assert "mix=1,2;x" in bad.warning[0].value and not bad.exception
    assert "nn.Conv2d(3, 4, kernel_size=3, bias=False)" in _codes(bad)  # the default table


def test_a_kernel_per_colour_channel_is_chosen_and_kept_in_the_link(app):
    at = app(PAGE, mode="image")
    at.selectbox(key="conv.image.kernel_g").set_value("sobel_x").run()
    assert not at.exception and "-> (4, 425, 638)" in _codes(at)
    assert at.query_params["chk"] in ("same,sobel_x,same", ["same,sobel_x,same"])
    again = app(PAGE, mode="image", chk="same,sobel_x,embos")
    assert again.selectbox(key="conv.image.kernel_g").value == "sobel_x"
    assert again.selectbox(key="conv.image.kernel_b").value == "emboss"  # "did you mean"
    assert "chk=embos" in again.warning[0].value
