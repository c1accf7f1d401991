"""Text for core/models.py and core/summary.py: spec checks, shape problems and preset descriptions.

Layer types, argument names and code stay in English in both languages; a message names the
layer (position and name), the value that broke the rule and what to use instead.
"""

_LAYER = "Layer {position} `{name}` ({settings})"
_LAYER_ZH = "第 {position} 层 `{name}`({settings})"

TEXT = {
    # --- uploaded / edited specs ---
    "models.spec_too_large": (
        "The spec is {size} bytes; the limit is {max} bytes. Upload a smaller file.",
        "模型描述文件有 {size} 字节，上限为 {max} 字节；请上传更小的文件。",
    ),
    "models.spec_not_json": (
        "The spec is not valid JSON: {error}",
        "模型描述不是合法的 JSON:{error}",
    ),
    "models.spec_too_deep": (
        'The spec is nested more than {max} levels deep; a spec is {{"layers": [{{"type", "args"}}]}}.',
        '模型描述的嵌套超过 {max} 层；正确格式为 {{"layers": [{{"type", "args"}}]}}。',
    ),
    "models.spec_not_object": (
        "The spec must be a JSON object {{...}}, got {got}.",
        "模型描述必须是 JSON 对象 {{...}}，当前为 {got}。",
    ),
    "models.unknown_field": (
        "Unknown field {field} in the spec. Did you mean {suggestion}?",
        "模型描述中有未知字段 {field}。你是不是想写 {suggestion}？",
    ),
    "models.field_type": (
        "The spec's `{field}` must be {expected}, got {got}.",
        "模型描述的 `{field}` 应为 {expected}，当前为 {got}。",
    ),
    "models.too_many_layers": (
        "The spec has {count} layers; the limit is {max}.",
        "模型有 {count} 层，上限为 {max} 层。",
    ),
    "models.layer_not_object": (
        'Layer {position} must be an object {{"type": ..., "args": {{...}}}}, got {got}.',
        '第 {position} 层必须是对象 {{"type": ..., "args": {{...}}}}，当前为 {got}。',
    ),
    "models.unknown_layer_field": (
        "Layer {position} has an unknown field {field}. Did you mean {suggestion}?",
        "第 {position} 层有未知字段 {field}。你是不是想写 {suggestion}？",
    ),
    "models.layer_field_type": (
        "Layer {position}: `{field}` must be {expected}, got {got}.",
        "第 {position} 层：`{field}` 应为 {expected}，当前为 {got}。",
    ),
    "models.bad_input_shape": (
        "The input shape {value} is not usable: give [features] or [C, H, W] with positive sizes, "
        "at most {max} numbers per sample.",
        "输入形状 {value} 不可用：请给出 [特征数] 或 [C, H, W]，各维为正数，每个样本最多 {max} 个数。",
    ),
    "models.bad_batch_size": (
        "The batch size {value} is not usable; use a whole number from 1 to 65536.",
        "批大小 {value} 不可用；请使用 1 到 65536 之间的整数。",
    ),
    "models.unknown_init": (
        "Unknown weight initialisation {value}. Did you mean {suggestion}?",
        "未知的权重初始化方式 {value}。你是不是想写 {suggestion}？",
    ),
    "models.unknown_layer_type": (
        "Layer {position}: unknown layer type {value}. Did you mean {suggestion}?",
        "第 {position} 层：未知的层类型 {value}。你是不是想写 {suggestion}？",
    ),
    "models.unknown_argument": (
        "Layer {position} ({type}): unknown argument {arg}. Did you mean {suggestion}?",
        "第 {position} 层（{type}）：未知参数 {arg}。你是不是想写 {suggestion}？",
    ),
    "models.bad_argument": (
        "Layer {position} ({type}): {arg}={value} is not allowed; use {allowed}.",
        "第 {position} 层（{type}）：不允许 {arg}={value}；可用的值：{allowed}。",
    ),
    "models.missing_argument": (
        "Layer {position} ({type}) needs the argument {arg}.",
        "第 {position} 层（{type}）缺少必需参数 {arg}。",
    ),
    "models.bad_layer_name": (
        "Layer {position}: the name {name} cannot be an attribute name; use letters, digits and _, "
        "not starting with a digit (e.g. conv1).",
        "第 {position} 层：名称 {name} 不能作为属性名；请使用字母、数字和下划线，且不以数字开头（例如 conv1）。",
    ),
    "models.duplicate_layer_name": (
        "Layer {position}: the name `{name}` is already used by an earlier layer; give each layer its own name.",
        "第 {position} 层：名称 `{name}` 已被前面的层使用；每一层的名称必须不同。",
    ),
    "models.too_many_params": (
        "This model would have {params} parameters ({gb} GB as float32); the limit is {max_gb} GB. "
        "Use fewer channels or features.",
        "该模型将有 {params} 个参数（float32 下约 {gb} GB），上限为 {max_gb} GB；请减少通道数或特征数。",
    ),
    "models.layer_build_failed": (
        _LAYER + " cannot be built: {error}",
        _LAYER_ZH + " 无法创建：{error}",
    ),
    "models.unsupported_module": (
        "`{name}` is a {type}; a spec can only hold an nn.Sequential of {types}.",
        "`{name}` 是 {type}；模型描述只支持由 {types} 组成的 nn.Sequential。",
    ),
    "models.bad_class_name": (
        "The class name {name} is not a Python identifier; use e.g. Net.",
        "类名 {name} 不是合法的 Python 标识符；请使用例如 Net。",
    ),
    "models.unknown_preset": (
        "Unknown model {value}. Did you mean {suggestion}?",
        "未知的模型 {value}。你是不是想写 {suggestion}？",
    ),
    # --- shape problems found by the summary ---
    "models.summary.same_shape": ("same shape", "形状不变"),
    "models.summary.needs_image": (
        _LAYER + " works on images (N, C, H, W) but receives {in_shape}. Move it before the Flatten "
        "or the Linear layers.",
        _LAYER_ZH + " 处理的是图像 (N, C, H, W)，但收到的输入形状为 {in_shape}。请把它移到 Flatten 或全连接层之前。",
    ),
    "models.bad_link": (
        "The model in this link cannot be read ({error}); the preset is shown instead.",
        "无法读取链接中的模型（{error}）；改为显示预设模型。",
    ),
    "models.summary.needs_channel": (
        _LAYER + " works on images (N, C, H, W) but the input is {in_shape}: it has no channel dimension. "
        "Fix: input shape {shape} (a grayscale picture has 1 channel, a colour one 3).",
        _LAYER_ZH + " 处理的是图像 (N, C, H, W)，但输入形状为 {in_shape}：缺少通道维度。"
        "修正：输入形状改为 {shape}（灰度图片有 1 个通道，彩色图片有 3 个）。",
    ),
    "models.summary.linear_needs_flatten": (
        _LAYER + " works on (N, features) but receives {in_shape}. Fix: insert a Flatten before it, "
        "which gives {features} features.",
        _LAYER_ZH + " 需要（N，特征数）形状的输入，但收到 {in_shape}。修正：在它前面插入 Flatten，"
        "展平后正好是 {features} 个特征。",
    ),
    "models.summary.linear_needs_flatten_and_in_features": (
        _LAYER + " works on (N, features) but receives {in_shape}. Fix: insert a Flatten before it "
        "and set in_features={features}.",
        _LAYER_ZH + " 需要（N，特征数）形状的输入，但收到 {in_shape}。修正：在它前面插入 Flatten，"
        "并设置 in_features={features}。",
    ),
    "models.summary.linear_in_features": (
        _LAYER + " expects {expected} input features but receives {got} (input {in_shape}). "
        "Fix: set in_features={got}.",
        _LAYER_ZH
        + " 期望 {expected} 个输入特征，实际收到 {got} 个（输入形状 {in_shape}）。修正：设置 in_features={got}。",
    ),
    "models.summary.channel_mismatch": (
        _LAYER + " expects {expected} input channels but receives {got} (input {in_shape}). Fix: set {arg}={got}.",
        _LAYER_ZH + " 期望 {expected} 个输入通道，实际收到 {got} 个（输入形状 {in_shape}）。修正：设置 {arg}={got}。",
    ),
    "models.summary.batchnorm1d_on_image": (
        _LAYER + " expects (N, C) or (N, C, L) but receives images {in_shape}. Fix: use BatchNorm2d({channels}).",
        _LAYER_ZH + " 需要 (N, C) 或 (N, C, L) 形状的输入，但收到图像 {in_shape}。修正：改用 BatchNorm2d({channels})。",
    ),
    "models.summary.geometry_problem": (
        _LAYER + " cannot work on its input {in_shape}:",
        _LAYER_ZH + " 无法处理输入 {in_shape}：",
    ),
    "models.summary.build_failed": (
        _LAYER + " cannot be built (input {in_shape}): {error}",
        _LAYER_ZH + " 无法创建（输入形状 {in_shape}）：{error}",
    ),
    "models.summary.torch_error": (
        _LAYER + " failed on its input {in_shape}. PyTorch says: {error}",
        _LAYER_ZH + " 在输入 {in_shape} 上运行失败。PyTorch 的报错：{error}",
    ),
    "models.summary.error_between_layers": (
        "The model's own forward failed between layers, after `{after}`. PyTorch says: {error}",
        "模型自身的 forward 在层与层之间出错（`{after}` 之后）。PyTorch 的报错：{error}",
    ),
    # --- presets: one line each, and notes where the tutorial has a story ---
    "models.preset.mlp": (
        "A multilayer perceptron: 784 inputs, one hidden layer of 256 with ReLU, 10 outputs.",
        "多层感知机：784 个输入，一个 256 单元的 ReLU 隐藏层，10 个输出。",
    ),
    "models.preset.dnn_tabular": (
        "A small DNN for 3 tabular features: Linear 3-5-5-5-3 with ReLU, 98 parameters.",
        "用于 3 个表格特征的小型 DNN：Linear 3-5-5-5-3，ReLU 激活，共 98 个参数。",
    ),
    "models.preset.dnn_binary": (
        "A DNN for binary classification of 8 features: 8-32-8-4-1 with Sigmoid, trained with BCELoss.",
        "用于 8 个特征二分类的 DNN：8-32-8-4-1，Sigmoid 激活，配合 BCELoss 训练。",
    ),
    "models.preset.dnn_mnist": (
        "A fully connected network for MNIST digits: Flatten, then 784-512-256-128-64-10 with ReLU.",
        "用于 MNIST 手写数字的全连接网络：先 Flatten，再 784-512-256-128-64-10，ReLU 激活。",
    ),
    "models.preset.lenet": (
        "LeNet on 1x32x32: two conv-ReLU-pool stages, then 400-120-84-10; 10 parameter tensors, 61,706 parameters.",
        "LeNet，输入 1x32x32：两组 卷积-ReLU-池化，再接 400-120-84-10；10 个参数张量，共 61,706 个参数。",
    ),
    "models.preset.net_three_elements": (
        'The "three elements" Net on 3x32x32: LeNet\'s layers for colour images, with the '
        "curriculum's Xavier weight initialisation.",
        "“三要素”一课的 Net，输入 3x32x32：与 LeNet 相同的层结构用于彩色图像，采用教程中的 Xavier 权重初始化。",
    ),
    "models.preset.cnn_typical": (
        "A typical small CNN on 3x30x30: conv(3,16,3), ReLU, 2x2 max-pool, Linear(16*14*14, 10).",
        "典型的小型 CNN，输入 3x30x30：conv(3,16,3)、ReLU、2x2 最大池化、Linear(16*14*14, 10)。",
    ),
    "models.preset.cifar10_sequential": (
        "The CIFAR-10 walkthrough's nn.Sequential: three conv(5, padding 2)-pool stages, Flatten, "
        "1024-64-10; 145,578 parameters.",
        "CIFAR-10 实战中的 nn.Sequential：三组 卷积（5×5，padding 2）-池化，Flatten，再 1024-64-10；共 145,578 个参数。",
    ),
    "models.preset.cifar10_simple_v3": (
        "CIFAR10_Net_Simple_v3: six 3x3 convs each with ReLU and BatchNorm, three max-pools, "
        "Dropout 0.4, 2048-64-10; 419,690 parameters.",
        "CIFAR10_Net_Simple_v3：六个 3x3 卷积，每个后接 ReLU 和 BatchNorm，三次最大池化，"
        "Dropout 0.4，2048-64-10；共 419,690 个参数。",
    ),
    "models.preset.cifar10_simple_v3.notes": (
        "The tutorial reports about 88% CIFAR-10 test accuracy after 150 epochs with augmentation and momentum.",
        "教程报告：使用数据增强和动量训练 150 轮后，CIFAR-10 测试准确率约 88%。",
    ),
    "models.preset.alexnet_as_written": (
        "AlexNet exactly as the tutorial wrote it, typos included: it stops with a shape error.",
        "完全照教程原样写的 AlexNet，包括其中的笔误：运行时会出现形状错误。",
    ),
    "models.preset.alexnet_as_written.notes": (
        "The tutorial has Conv2d(384, 383, ...) before Conv2d(384, 256, ...), and Linear(4096, 4086) "
        "before Linear(4096, 10). Each layer's input must match what the layer before it produces: "
        "follow the fixes one at a time.",
        "教程中 Conv2d(384, 383, ...) 后面接的是 Conv2d(384, 256, ...)，Linear(4096, 4086) 后面接的是 "
        "Linear(4096, 10)。每一层的输入必须与前一层的输出一致：按提示逐个修正即可。",
    ),
    "models.preset.alexnet": (
        "AlexNet for 1x224x224 images with the typos fixed: the conv stack ends at 256x5x5 = 6400 features.",
        "修正笔误后的 AlexNet，输入 1x224x224：卷积部分输出 256x5x5 = 6400 个特征。",
    ),
    "models.preset.vgg16": (
        "VGG16 from torchvision (weights=None), with classifier[6] replaced by Linear(4096, 10) for 10 classes.",
        "来自 torchvision 的 VGG16(weights=None)，把 classifier[6] 换成 Linear(4096, 10) 以输出 10 类。",
    ),
    "models.preset.vgg16.notes": (
        "About 134 million parameters and 15 billion multiply-accumulates per 224x224 image: "
        "look at its table, but train something smaller on a laptop.",
        "约 1.34 亿个参数，每张 224x224 图像约 150 亿次乘加运算：可以查看它的结构表，但在笔记本上请训练更小的模型。",
    ),
    "models.preset.small_cnn": (
        "A small modern CNN: conv-BatchNorm-ReLU blocks, global average pooling and one Linear; "
        "about 24 thousand parameters, quick to train on 2 CPU cores.",
        "一个小型现代 CNN：卷积-BatchNorm-ReLU 模块、全局平均池化和一个全连接层；约 2.4 万个参数，用 2 个 CPU 核也能很快训练。",
    ),
    "models.preset.small_cnn.notes": (
        "Global average pooling makes it work for any image size: for 1x28x28 digits set the first "
        "conv's in_channels to 1.",
        "全局平均池化使它适用于任意图像尺寸：用于 1x28x28 的手写数字时，把第一个卷积层的 in_channels 改为 1。",
    ),
}
