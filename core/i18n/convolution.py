"""Text of the convolution page."""

TEXT = {
    "conv.title": ("Convolution explorer", "卷积实验台"),
    "conv.intro": (
        "A convolution slides a small kernel over the input; each output cell is the sum of the window "
        "times the kernel. Change the settings and watch the output size, the formula and every number follow.",
        "卷积就是让一个小的卷积核在输入上滑动；每个输出单元等于窗口与卷积核逐元素相乘后的和。"
        "修改设置，观察输出尺寸、公式和每个数字如何随之变化。",
    ),
    "conv.mode": ("Section", "部分"),
    "conv.mode_matrix": ("Matrix", "矩阵"),
    "conv.mode_image": ("Image", "图像"),
    "conv.mode_pool": ("Pooling", "池化"),
    "conv.mode_act": ("Activations", "激活函数"),
    "conv.mode_transposed": ("Transposed convolution", "转置卷积"),
    "conv.preset": ("Example", "示例"),
    "conv.preset_A": ("Matrix A (5×5, curriculum)", "矩阵 A（5×5，教程示例）"),
    "conv.preset_B": ("Matrix B (4×4, curriculum)", "矩阵 B（4×4，教程示例）"),
    "conv.preset_P4": ("4×4 pooling example", "4×4 池化示例"),
    "conv.preset_G3": ("3×3 grid 0..8", "3×3 网格 0..8"),
    "conv.preset_T": ("2×2 example", "2×2 示例"),
    "conv.preset_random": ("Random integers", "随机整数"),
    "conv.rect": ("Different height and width", "高和宽分别设置"),
    "conv.size": ("Input size", "输入尺寸"),
    "conv.kernel": ("Kernel size (kernel_size)", "卷积核大小（kernel_size）"),
    "conv.stride": ("Stride (stride)", "步长（stride）"),
    "conv.padding": ("Padding (padding)", "填充（padding）"),
    "conv.dilation": ("Dilation (dilation)", "空洞（dilation）"),
    "conv.output_padding": ("Output padding (output_padding)", "输出填充（output_padding）"),
    "conv.pad_kind": ("Padding as", "填充方式"),
    "conv.pad_number": ("a number", "数值"),
    "conv.pad_same": ("'same'", "'same'"),
    "conv.pad_valid": ("'valid'", "'valid'"),
    "conv.padding_mode": ("Padding values (padding_mode)", "填充模式（padding_mode）"),
    "conv.bias": ("Bias (bias)", "偏置（bias）"),
    "conv.input_matrix": ("Input (editable)", "输入（可编辑）"),
    "conv.kernel_matrix": ("Kernel (editable)", "卷积核（可编辑）"),
    "conv.output_shape": ("Output size (H × W)", "输出尺寸（H × W）"),
    "conv.formula_text": ("Formula as text", "公式文本"),
    "conv.uncovered": (
        "Floor drops what the windows never reach: the last {rows} row(s) and {cols} column(s) of the padded input take no part.",
        "向下取整舍去了窗口够不到的部分：填充后输入的最后 {rows} 行和 {cols} 列没有参与计算。",
    ),
    "conv.apply_fix": ("Use the nearest valid setting", "改用最接近的有效设置"),
    "conv.padded_input": ("Input with padding (grey)", "填充后的输入（灰色为填充）"),
    "conv.output": ("Output", "输出"),
    "conv.play": ("Play: walk the window over every output cell", "播放：让窗口依次走过每个输出单元"),
    "conv.step": ("Output cell (row, column)", "输出单元（行，列）"),
    "conv.input_cell": ("Input cell (row, column)", "输入单元（行，列）"),
    "conv.example_resized": (
        "{name}, now {size} (cells past it are random)",
        "{name}，现为 {size}（超出部分为随机数）",
    ),
    "conv.formula_refused": (
        "PyTorch refuses these settings (the message below says why): the formula is only the arithmetic they "
        "stand for, not an output PyTorch gives.",
        "PyTorch 不接受这些设置（原因见下方提示）：上面的公式只是这些设置对应的算式，并不是 PyTorch 会给出的输出。",
    ),
    "conv.ceil_minus_one": (
        "The “− 1” in {axes}: with ceil_mode, PyTorch drops a last window that would start in the right-hand "
        "padding. A window must start inside the input or in the left padding.",
        "{axes} 中的“− 1”：开启 ceil_mode 时，若最后一个窗口会从右侧填充中开始，PyTorch 会舍去它。"
        "窗口必须从输入内部或左侧填充处开始。",
    ),
    "conv.uncovered_ceil": (
        "Even with ceil_mode, the last {rows} row(s) and {cols} column(s) of the padded input take no part: "
        "the window that would reach them starts in the padding, and PyTorch drops it.",
        "即使开启 ceil_mode，填充后输入的最后 {rows} 行和 {cols} 列也没有参与计算："
        "能够到它们的窗口从填充中开始，PyTorch 舍去了它。",
    ),
    "conv.url_bad_matrix": (
        "URL parameter `{name}={value}` is not a matrix of {low}..{high} rows and columns "
        "(write rows split by “;” and numbers by “,”, e.g. `1,2;3,4`); the example is shown instead.",
        "URL 参数 `{name}={value}` 不是 {low}..{high} 行、{low}..{high} 列的矩阵"
        "（行之间用“;”分隔，数字之间用“,”分隔，例如 `1,2;3,4`）；改为显示示例。",
    ),
    "conv.url_not_here": (
        "URL parameter `{name}` is not a setting of the {mode} section; it was left out.",
        "URL 参数 `{name}` 不是“{mode}”部分的设置，已忽略。",
    ),
    "conv.cell": (
        "Output cell (row {row}, column {col}) = window × kernel, summed:",
        "输出单元（第 {row} 行，第 {col} 列）= 窗口 × 卷积核，再求和：",
    ),
    "conv.corr2d_title": (
        "From scratch: corr2d with two loops, next to F.conv2d",
        "从零实现：两重循环的 corr2d 与 F.conv2d 对照",
    ),
    "conv.corr2d_intro": (
        "The curriculum writes cross-correlation as two loops over the output cells. Here it runs on the "
        "padded input above (with stride and dilation as slices) and is compared with PyTorch's result.",
        "教程用两重循环遍历输出单元来实现互相关运算。这里它在上面的填充后输入上运行"
        "（步长和空洞用切片实现），并与 PyTorch 的结果比较。",
    ),
    "conv.corr2d_agree": (
        "Largest difference between corr2d and F.conv2d: **{diff}**. They agree.",
        "corr2d 与 F.conv2d 的最大差值：**{diff}**。二者一致。",
    ),
    "conv.photo": ("Photo", "照片"),
    "conv.upload": ("Upload a photo", "上传照片"),
    "conv.upload_prompt": (
        "Upload a photo (PNG, JPEG, WebP, BMP, GIF or TIFF) to convolve it.",
        "上传一张照片（PNG、JPEG、WebP、BMP、GIF 或 TIFF）来对它做卷积。",
    ),
    "conv.image_kernel": ("Kernel", "卷积核"),
    "conv.k_identity": ("Identity", "恒等"),
    "conv.k_box_blur": ("Box blur", "均值模糊"),
    "conv.k_gaussian": ("Gaussian blur", "高斯模糊"),
    "conv.k_sharpen": ("Sharpen", "锐化"),
    "conv.k_laplacian": ("Edges (Laplacian)", "边缘（拉普拉斯）"),
    "conv.k_sobel_x": ("Sobel x (vertical edges)", "Sobel x（竖直边缘）"),
    "conv.k_sobel_y": ("Sobel y (horizontal edges)", "Sobel y（水平边缘）"),
    "conv.k_emboss": ("Emboss", "浮雕"),
    "conv.k_custom": ("Custom (editable)", "自定义（可编辑）"),
    "conv.colour": ("Channels", "通道"),
    "conv.colour_gray": ("Grayscale (1 channel)", "灰度（1 个通道）"),
    "conv.colour_rgb": ("Colour, RGB (3 channels)", "彩色 RGB（3 个通道）"),
    "conv.mapping": ("Output to pixels", "输出映射为像素"),
    "conv.mapping_clip": ("Clip to 0..1", "截断到 0..1"),
    "conv.mapping_rescale": ("Rescale min..max", "按最小..最大值拉伸"),
    "conv.mapping_clip_note": (
        "The output ranges from {low} to {high}. Shown clipped: values below 0 are black, above 1 white, so negative edge responses disappear.",
        "输出范围是 {low} 到 {high}。显示时截断：小于 0 为黑，大于 1 为白，因此负的边缘响应看不见。",
    ),
    "conv.mapping_rescale_note": (
        "The output ranges from {low} to {high}. Shown rescaled: {low} is black and {high} is white, so zero is a shade of grey.",
        "输出范围是 {low} 到 {high}。显示时拉伸：{low} 为黑，{high} 为白，因此 0 显示为某种灰色。",
    ),
    "conv.image_in": ("Input {shape} (C, H, W)", "输入 {shape} (C, H, W)"),
    "conv.image_out": ("Output {shape} (C, H, W)", "输出 {shape} (C, H, W)"),
    "conv.pool_kind": ("Pooling", "池化方式"),
    "conv.pool_max": ("Max (MaxPool2d)", "最大池化（MaxPool2d）"),
    "conv.pool_avg": ("Average (AvgPool2d)", "平均池化（AvgPool2d）"),
    "conv.stride_is_kernel": ("Stride = kernel size (PyTorch's default)", "步长 = 池化窗口大小（PyTorch 默认）"),
    "conv.pool_no_params": (
        "Pooling has no parameters to learn and keeps the number of channels; it only shrinks H and W.",
        "池化层没有可学习的参数，也不改变通道数；它只缩小 H 和 W。",
    ),
    "conv.avg_int": (
        "Average pooling needs floating-point numbers. The curriculum saw it fail on an integer tensor; PyTorch 2.14 "
        "runs it but truncates every mean toward zero (0.75 becomes 0), as the table below shows for your input, "
        "and `torch.mean` on integers stops with: `{error}`. Convert first with `x.float()`; this page computes in floating point.",
        "平均池化需要浮点数。教程中对整数张量做平均池化会报错；PyTorch 2.14 可以运行，但会把每个平均值向零截断"
        "（0.75 变成 0），下表展示了你的输入按整数计算的结果；而对整数调用 `torch.mean` 会报错：`{error}`。"
        "请先用 `x.float()` 转换；本页面使用浮点数计算。",
    ),
    "conv.act_choose": ("Activation functions", "激活函数"),
    "conv.alpha": ("α (LeakyReLU slope, ELU scale)", "α（LeakyReLU 斜率，ELU 系数）"),
    "conv.softmax_note": (
        "Softmax is not drawn as a curve: it turns a whole row into probabilities that sum to 1 (see its table).",
        "Softmax 不画成曲线：它把一整行数值变成和为 1 的概率（见下方表格）。",
    ),
    "conv.act_ReLU": (
        "Range [0, ∞). The default for hidden layers: cheap, and its gradient does not vanish for positive inputs.",
        "值域 [0, ∞)。隐藏层的默认选择：计算简单，正输入的梯度不会消失。",
    ),
    "conv.act_Sigmoid": (
        "Range (0, 1). For a binary output (with BCELoss); in hidden layers its gradient vanishes for large |x|.",
        "值域 (0, 1)。用于二分类输出（配合 BCELoss）；在隐藏层中 |x| 较大时梯度会消失。",
    ),
    "conv.act_Tanh": (
        "Range (-1, 1). Zero-centred sigmoid; still saturates for large |x|.",
        "值域 (-1, 1)。以 0 为中心的 S 形函数；|x| 较大时仍会饱和。",
    ),
    "conv.act_LeakyReLU": (
        "Range (-∞, ∞). Like ReLU but negative inputs keep a small slope α, so no unit dies.",
        "值域 (-∞, ∞)。与 ReLU 类似，但负输入保留小斜率 α，神经元不会“死亡”。",
    ),
    "conv.act_ELU": (
        "Range (-α, ∞). Smooth for negative inputs; outputs closer to zero mean.",
        "值域 (-α, ∞)。负输入部分平滑；输出均值更接近 0。",
    ),
    "conv.act_GELU": (
        "Range about [-0.17, ∞). The smooth ReLU of modern networks (Transformers, ConvNeXt).",
        "值域约 [-0.17, ∞)。现代网络（Transformer、ConvNeXt）常用的平滑版 ReLU。",
    ),
    "conv.act_Softmax": (
        "Each row becomes probabilities that sum to 1. For multi-class outputs; nn.CrossEntropyLoss already "
        "applies it, so do not add Softmax before that loss.",
        "每一行变为和为 1 的概率。用于多分类输出；nn.CrossEntropyLoss 已包含 Softmax，所以不要在该损失之前再加 Softmax。",
    ),
    "conv.transposed_intro": (
        "A transposed convolution runs the other way: every input cell lays a copy of the kernel, scaled by "
        "its value, onto a larger grid (stride apart); overlapping copies add up, then padding is cut off the edges.",
        "转置卷积的方向相反：每个输入单元把按其数值缩放的卷积核副本放到更大的网格上（相隔 stride）；"
        "重叠部分相加，最后从边缘裁掉 padding。",
    ),
    "conv.scatter": ("This cell's scattered kernel", "该单元散布的卷积核"),
    "conv.scatter_note": (
        "Input cell (row {row}, column {col}) = {v} scatters {v} × kernel. The output is the sum of all scatters with {crop} cut from each edge (padding).",
        "输入单元（第 {row} 行，第 {col} 列）= {v}，散布 {v} × 卷积核。输出是所有散布之和，再从每条边裁掉 {crop}（padding）。",
    ),
}
