"""Text of core/inference.py: choosing and loading a model, uploaded weights, and running it.

Tensor names, shapes, file names and PyTorch calls stay in English in both languages; a message
about a tensor names it, what the model expects and what the file holds.
"""

_SAVE_HINT = "Save it with `torch.save(model.state_dict(), 'model.pt')` or safetensors' `save_file`"
_SAVE_HINT_ZH = "请用 `torch.save(model.state_dict(), 'model.pt')` 或 safetensors 的 `save_file` 保存"

TEXT = {
    # --- choosing a model ---
    "inference.unknown_bundled": (
        "There is no bundled model `{name}`; the bundled ones are: {choices}. `make bundled-models` rebuilds them.",
        "没有名为 `{name}` 的内置模型；现有的内置模型：{choices}。`make bundled-models` 可重新生成它们。",
    ),
    "inference.step_original": ("Original", "原图"),
    # --- model.json ---
    "inference.info_too_large": (
        "{name} is {size:,} bytes; a model.json is at most {max:,} bytes. Upload the model.json saved with the run.",
        "{name} 有 {size:,} 字节；model.json 最多 {max:,} 字节。请上传随训练任务保存的 model.json。",
    ),
    "inference.info_not_json": (
        "{name} is not valid JSON ({detail}). Upload the model.json saved with the run.",
        "{name} 不是合法的 JSON（{detail}）。请上传随训练任务保存的 model.json。",
    ),
    "inference.info_field": (
        "model.json: `{field}` must be {expected}, got {got}. Upload the model.json saved with the run.",
        "model.json：`{field}` 应为 {expected}，当前为 {got}。请上传随训练任务保存的 model.json。",
    ),
    "inference.classes_mismatch": (
        "The model has {outputs} outputs but model.json names {classes} classes; they must be equal "
        "(one output per class). Change the last layer's out_features to {classes}, or fix `classes`.",
        "模型有 {outputs} 个输出，但 model.json 列出了 {classes} 个类别；两者必须相等（每个类别一个输出）。"
        "请把最后一层的 out_features 改为 {classes}，或修改 `classes`。",
    ),
    "inference.preprocessing_mismatch": (
        "model.json's preprocessing makes {made} inputs but the model takes {input_shape}; "
        "they must match. Upload the model.json saved with the run.",
        "model.json 中的预处理生成 {made} 的输入，但模型需要 {input_shape}；两者必须一致。"
        "请上传随训练任务保存的 model.json。",
    ),
    # --- weights ---
    "inference.weights_empty": (
        "{name} is empty (0 bytes). Choose the file again: the upload may have been interrupted.",
        "{name} 是空文件（0 字节）。请重新选择该文件：上传可能被中断了。",
    ),
    "inference.weights_too_large": (
        "{name} is {size_mb:.1f} MB; weights are at most {max_mb:.1f} MB here. Train a smaller model.",
        "{name} 为 {size_mb:.1f} MB；这里的权重文件最多 {max_mb:.1f} MB。请训练更小的模型。",
    ),
    "inference.weights_unpacked_too_large": (
        "{name} unpacks to {size_mb:.1f} MB in {entries:,} parts; the limit is {max_mb:.1f} MB. "
        + _SAVE_HINT
        + " from a smaller model.",
        "{name} 解包后为 {size_mb:.1f} MB，共 {entries:,} 个部分；上限为 {max_mb:.1f} MB。"
        + _SAVE_HINT_ZH
        + "更小模型的权重。",
    ),
    "inference.weights_format": (
        "{name} is neither a safetensors file nor a state dict saved by torch.save. " + _SAVE_HINT + ".",
        "{name} 既不是 safetensors 文件，也不是 torch.save 保存的 state dict。" + _SAVE_HINT_ZH + "。",
    ),
    "inference.weights_unreadable": (
        "{name} could not be read: the file may be damaged or cut short ({detail}). " + _SAVE_HINT + ".",
        "无法读取 {name}：文件可能已损坏或不完整（{detail}）。" + _SAVE_HINT_ZH + "。",
    ),
    "inference.weights_unsafe": (
        "{name} holds Python objects besides tensors ({detail}). Loading them could run code, so the "
        "file was refused without running anything; Stride loads only tensors. " + _SAVE_HINT + ".",
        "{name} 除了张量还包含 Python 对象（{detail}）。加载它们可能会执行代码，因此该文件未经执行即被拒绝；"
        "Stride 只加载张量。" + _SAVE_HINT_ZH + "。",
    ),
    "inference.not_state_dict": (
        "{name} holds {got}, not a state dict (a dict of tensor name -> tensor). " + _SAVE_HINT + ".",
        "{name} 中是 {got}，而不是 state dict（张量名 -> 张量 的字典）。" + _SAVE_HINT_ZH + "。",
    ),
    "inference.tensor_missing": (
        "The weights lack `{name}` (shape {shape}) of layer `{layer}`, which the spec's model has; "
        "{count} tensor(s) missing in all. Closest name in the file: {close}. "
        "Are these the weights of this model.json?",
        "权重中缺少层 `{layer}` 的 `{name}`（形状 {shape}），而按模型描述构建的模型有它；共缺少 {count} 个张量。"
        "文件中最接近的名字：{close}。这些权重与该 model.json 是同一个模型吗？",
    ),
    "inference.tensor_unexpected": (
        "The weights hold `{name}` (shape {shape}), which the spec's model does not have; "
        "{count} unexpected tensor(s) in all. Are these the weights of this model.json?",
        "权重中有 `{name}`（形状 {shape}），但按模型描述构建的模型没有它；共有 {count} 个多余的张量。"
        "这些权重与该 model.json 是同一个模型吗？",
    ),
    "inference.tensor_shape": (
        "`{name}` of layer `{layer}` has shape {got} in the weights, but the spec's model expects {expected}. "
        "Are these the weights of this model.json?",
        "层 `{layer}` 的 `{name}` 在权重中的形状为 {got}，但按模型描述构建的模型需要 {expected}。"
        "这些权重与该 model.json 是同一个模型吗？",
    ),
    "inference.tensor_dtype": (
        "`{name}` is a {got} tensor in the weights; the model needs {expected}.",
        "`{name}` 在权重中是 {got} 张量；模型需要 {expected}。",
    ),
    "inference.tensor_not_real": (
        "`{name}` of layer `{layer}` holds {stored:,} bytes of data for a {shape} tensor that needs {needed:,}: "
        "a view (expanded, strided or sliced) rather than its own values. Loading it would allocate what the "
        "file never held, so it was refused. Save the weights of a trained model with "
        "`torch.save(model.state_dict(), ...)` or safetensors.",
        "层 `{layer}` 的 `{name}` 对形状为 {shape} 的张量只存了 {stored:,} 字节数据，而它需要 {needed:,} 字节："
        "这是一个视图（expand、步长或切片），不是它自己的数值。加载它会分配文件里并没有的内存，因此被拒绝。"
        "请用 `torch.save(model.state_dict(), ...)` 或 safetensors 保存训练好的模型的权重。",
    ),
    "inference.tensor_not_finite": (
        "`{name}` of layer `{layer}` holds {count:,} NaN or infinite value(s); a model with them predicts NaN. "
        "Use the weights of a run whose loss stayed finite (a lower learning rate usually keeps it so).",
        "层 `{layer}` 的 `{name}` 含有 {count:,} 个 NaN 或无穷大的值；带着它们的模型只会预测出 NaN。"
        "请使用损失一直保持有限的那次训练的权重（降低学习率通常能做到）。",
    ),
    "inference.params_too_large_for_upload": (
        "The spec in model.json asks for {size_mb:.1f} MB of parameters; an uploaded weights file holds at most "
        "{max_mb:.1f} MB here, so no honest file can fill it. Use a smaller model.",
        "model.json 中的模型描述需要 {size_mb:.1f} MB 的参数；这里上传的权重文件最多 {max_mb:.1f} MB，"
        "任何真实的文件都装不下它。请使用更小的模型。",
    ),
    "inference.activations_too_large": (
        "This model's layer outputs take {size_mb:,.1f} MB for a single picture; the limit here is "
        "{max_mb:.0f} MB. Use fewer channels or a smaller input.",
        "该模型处理一张图片时各层输出就要 {size_mb:,.1f} MB；这里的上限是 {max_mb:.0f} MB。"
        "请减少通道数或使用更小的输入。",
    ),
    # --- running a model ---
    "inference.not_image_model": (
        "{source} takes a table of features, not pictures; choose an image model.",
        "{source} 的输入是特征表格，而不是图片；请选择图像模型。",
    ),
    "inference.input_shape": (
        "The input has shape {got}; this model takes {expected} per sample.",
        "输入的形状为 {got}；该模型每个样本需要 {expected}。",
    ),
    "inference.bad_class": (
        "Class {value} does not exist; choose a class from 0 to {max}.",
        "类别 {value} 不存在；请选择 0 到 {max} 之间的类别。",
    ),
    "inference.no_conv": (
        "{source} has no Conv2d layer, so there are no feature maps, filters or class-activation map to show.",
        "{source} 没有 Conv2d 层，因此没有可显示的特征图、卷积核或类激活图。",
    ),
    "inference.no_ink": (
        "No ink found: the picture is the same all over, so the model reads an empty page. Whatever it "
        "answers is a guess, however sure the bar looks.",
        "没有找到笔迹：整张图片几乎一样，模型读到的是一张白纸。无论它给出什么答案、概率条看起来多高，都只是猜测。",
    ),
    "inference.ink_unlike": (
        "Unlike every training picture: ink covers {share:.0%} of what the model sees, while in the "
        "pictures it learned from it covers {low:.0%} to {high:.0%}. This is not a digit as the model "
        "knows digits; treat the answer as a guess.",
        "与所有训练图片都不同：模型看到的画面中笔迹占 {share:.0%}，而在它学过的图片中占 {low:.0%} 到 "
        "{high:.0%}。这不是模型所认识的数字；请把答案当作猜测。",
    ),
    "inference.unsure": (
        "The model is unsure: {first} ({p:.0%}) or {second} ({q:.0%}).",
        "模型拿不准：是 {first}（{p:.0%}）还是 {second}（{q:.0%}）。",
    ),
    "inference.bad_count": (
        "Ask for 1 to {max} samples, not {value}.",
        "请选择 1 到 {max} 个样本，而不是 {value}。",
    ),
    "inference.no_test_set": (
        "The data set `{dataset}` of this model is not one Stride can load ({choices}), so there is no test set to pick from.",
        "该模型的数据集 `{dataset}` 不是 Stride 能加载的数据集（{choices}），因此没有可供选择的测试集。",
    ),
    "inference.test_set_mismatch": (
        "The test set of `{dataset}` has {data_shape} inputs and {data_classes} classes, but the model "
        "takes {model_shape} and has {model_classes} classes.",
        "`{dataset}` 的测试集输入为 {data_shape}，有 {data_classes} 个类别；但模型需要 {model_shape}，"
        "有 {model_classes} 个类别。",
    ),
}
