"""Text of the Convolution page's channels section, the photo's channels, the formula's derivation and the tutorial notes."""

TEXT = {
    "conv.mode_channels": ("Channels", "多通道"),
    "conv.ch.presets": ("Named layers", "常见的层"),
    "conv.ch.preset_cifar": ("Conv2d(3, 6, 5), curriculum", "Conv2d(3, 6, 5)（教程示例）"),
    "conv.ch.preset_depthwise": ("Depthwise (groups = C_in)", "深度卷积（groups = C_in）"),
    "conv.ch.preset_pointwise": ("Pointwise (1×1)", "逐点卷积（1×1）"),
    "conv.ch.cin": ("Input channels (in_channels, C_in)", "输入通道数（in_channels，C_in）"),
    "conv.ch.cout": ("Output channels (out_channels, C_out)", "输出通道数（out_channels，C_out）"),
    "conv.ch.groups": ("Groups (groups)", "分组数（groups）"),
    "conv.ch.groups_rule": (
        "groups splits the {cin} input channels and the {cout} filters into groups of equal size; each filter "
        "sees only the C_in / groups channels of its group. So groups must divide both C_in and C_out: "
        "here groups can be {valid}.",
        "groups 把 {cin} 个输入通道和 {cout} 个卷积核平均分成若干组；每个卷积核只看到本组的 C_in / groups 个通道。"
        "因此 groups 必须同时整除 C_in 和 C_out：这里 groups 可以取 {valid}。",
    ),
    "conv.ch.use_fix": ("Use {settings}", "改用 {settings}"),
    "conv.ch.params": ("Parameters of the convolution", "卷积层的参数量"),
    "conv.ch.macs": (
        "Multiply-accumulates (MACs) for one sample: output cells × products per cell",
        "单个样本的乘加次数（MACs）：输出单元数 × 每个单元的乘法次数",
    ),
    "conv.ch.linear_params": ("Parameters of a Linear layer", "全连接层的参数量"),
    "conv.ch.sharing": (
        "A Linear layer from the same input to the same output size needs {ratio}× as many parameters: it has "
        "a weight for every input cell and every output cell. The convolution shares one small kernel across "
        "all positions.",
        "把相同的输入映射到相同大小的输出，全连接层需要 {ratio} 倍的参数：它为每个输入单元和每个输出单元的组合都设一个权重。"
        "卷积层则在所有位置共享同一个小卷积核。",
    ),
    "conv.ch.oc": ("Output channel", "输出通道"),
    "conv.ch.cell": (
        "Output channel {o}, cell (row {row}, column {col}): channel {o} is in group {g}, so it sums over input "
        "channels {first} to {last}, one kernel each, and adds its bias.",
        "输出通道 {o} 的单元（第 {row} 行，第 {col} 列）：通道 {o} 属于第 {g} 组，所以它对输入通道 {first} 到 {last} "
        "求和（每个通道各用一个卷积核），再加上它的偏置。",
    ),
    "conv.ch.in_channel": ("Input channel {c} (padded)", "输入通道 {c}（已填充）"),
    "conv.ch.kernel_of": ("Kernel W[{o}, {j}]", "卷积核 W[{o}, {j}]"),
    "conv.ch.out_channel": ("Output channel {o}", "输出通道 {o}"),
    "conv.ch.agree": (
        "The per-channel sums plus the bias give **{value}**; `F.conv2d` gives **{torch}** at this cell.",
        "各通道部分和加上偏置得到 **{value}**；`F.conv2d` 在这个单元的结果是 **{torch}**。",
    ),
    # --- the photo's channels
    "conv.combine": ("How the colour channels are combined", "颜色通道如何组合"),
    "conv.combine_conv2d": ("nn.Conv2d: each filter sums over all channels", "nn.Conv2d：每个卷积核对所有通道求和"),
    "conv.combine_depthwise": ("Per channel (depthwise, groups = C)", "逐通道（深度卷积，groups = C）"),
    "conv.combine_depthwise_note": (
        "Depthwise: the same kernel runs on each of the {c} channel(s) on its own and nothing is summed; "
        "this is nn.Conv2d({c}, {c}, k, groups={c}), not what nn.Conv2d({c}, C_out, k) does.",
        "深度卷积：同一个卷积核分别作用于 {c} 个通道，各通道之间不求和；"
        "这是 nn.Conv2d({c}, {c}, k, groups={c})，而不是 nn.Conv2d({c}, C_out, k) 的做法。",
    ),
    "conv.mix": (
        "Weight of each input channel (columns 0, 1, …: {names}) in each output channel (rows)",
        "每个输出通道（行）中各输入通道（列 0、1、…：{names}）的权重",
    ),
    "conv.gray_channel": ("gray", "灰度"),
    "conv.channel_kernels": (
        "Kernel on each input channel (weight[o, c] = mix[o, c] × the kernel on c)",
        "每个输入通道上的卷积核（weight[o, c] = mix[o, c] × 通道 c 上的卷积核）",
    ),
    "conv.same_kernel": ("the kernel above", "上面的卷积核"),
    "conv.mix_note": (
        "Output channel o uses kernel × mix[o, c] on input channel c and adds the results over c: weight[o, c] "
        "= mix[o, c] × kernel, a weight of shape (C_out, C_in, kH, kW).",
        "输出通道 o 在输入通道 c 上使用“卷积核 × mix[o, c]”，再对所有 c 求和：weight[o, c] = mix[o, c] × 卷积核，"
        "权重形状为 (C_out, C_in, kH, kW)。",
    ),
    "conv.feature_map": ("Output channel {o} (mix {mix})", "输出通道 {o}（权重 {mix}）"),
    "conv.shown_smaller": (
        "Feature maps are drawn at 1/{step} of their size (one pixel in {step} each way); every number above is computed at full size.",
        "特征图按 1/{step} 的尺寸显示（每个方向每 {step} 个像素取一个）；上面的数字都按完整尺寸计算。",
    ),
    # --- why the formula is what it is
    "conv.deriv.title": ("Why this formula? (on your numbers)", "为什么是这个公式？（用你的数字推导）"),
    "conv.deriv.padded": (
        "Along {axis}, the padded input is {n} + {pads} = **{padded}** cells long.",
        "沿 {axis} 方向，填充后的输入长 {n} + {pads} = **{padded}** 个单元。",
    ),
    "conv.deriv.span": (
        "A kernel of {k} cells, {d} apart (dilation), covers d(k − 1) + 1 = {d}·({k} − 1) + 1 = **{span}** cells.",
        "大小为 {k}、元素间隔为 {d}（空洞）的卷积核覆盖 d(k − 1) + 1 = {d}·({k} − 1) + 1 = **{span}** 个单元。",
    ),
    "conv.deriv.no_room": (
        "The window ({span} cells) is longer than the padded input ({padded}): it fits nowhere, so there is no output.",
        "窗口（{span} 个单元）比填充后的输入（{padded}）还长：放不下，所以没有输出。",
    ),
    "conv.deriv.starts": (
        "The window must end inside, so its first cell can start at 0 … {padded} − {span} = {room}. Stepping "
        "{s} at a time, it starts at 0, {s}, …, {last}: that is ⌊{room} / {s}⌋ + 1 = **{out}** positions. "
        "The + 1 counts the window at 0; the floor drops a start that would run past the end.",
        "窗口必须完整地落在输入内，所以它的第一个单元可以从 0 … {padded} − {span} = {room} 开始。"
        "每次移动 {s}，起点为 0, {s}, …, {last}：共 ⌊{room} / {s}⌋ + 1 = **{out}** 个位置。"
        "+ 1 计入从 0 开始的那个窗口；向下取整舍去会越过末端的起点。",
    ),
    "conv.deriv.ceil_kept": (
        "ceil_mode rounds up instead: ⌈{room} / {s}⌉ + 1 = {ceil}, counting a last window that runs past the end. "
        "PyTorch keeps it only if it starts inside the input or the left padding: it starts at {start} < {limit}, "
        "so it stays: **{out}**.",
        "ceil_mode 改为向上取整：⌈{room} / {s}⌉ + 1 = {ceil}，把越过末端的最后一个窗口也算上。"
        "PyTorch 只在它从输入内部或左侧填充处开始时保留它：它从 {start} 开始，{start} < {limit}，所以保留：**{out}**。",
    ),
    "conv.deriv.ceil_dropped": (
        "ceil_mode rounds up instead: ⌈{room} / {s}⌉ + 1 = {ceil}, counting a last window that runs past the end. "
        "PyTorch keeps it only if it starts inside the input or the left padding: it would start at {start} ≥ {limit}, "
        "in the right padding, so it is dropped: **{out}**.",
        "ceil_mode 改为向上取整：⌈{room} / {s}⌉ + 1 = {ceil}，把越过末端的最后一个窗口也算上。"
        "PyTorch 只在它从输入内部或左侧填充处开始时保留它：它会从 {start} 开始，{start} ≥ {limit}，"
        "落在右侧填充中，所以被舍去：**{out}**。",
    ),
    "conv.deriv.tutorial": (
        "With dilation 1 this is the tutorials' (W − F + 2P) / S + 1 = ({n} − {k} + 2·{p}) / {s} + 1 = {exact}, "
        "rounded down: **{out}**.",
        "空洞为 1 时，这就是教程中的 (W − F + 2P) / S + 1 = ({n} − {k} + 2·{p}) / {s} + 1 = {exact}，"
        "向下取整：**{out}**。",
    ),
    "conv.deriv.tutorial_general": (
        "The tutorials' (W − F + 2P) / S + 1 is the special case of dilation 1 and equal padding on both sides; "
        "here F becomes the dilated size {span} (d = {d}).",
        "教程中的 (W − F + 2P) / S + 1 是空洞为 1、两侧填充相同时的特例；这里 F 换成空洞后的大小 {span}（d = {d}）。",
    ),
    "conv.deriv.inverse": (
        "A transposed convolution undoes the sizes of a convolution with the same settings: its input ({n} on "
        "{axis}) is that convolution's output. Solve out = ⌊(in + 2P − d(k − 1) − 1) / S⌋ + 1 for in: "
        "in = (out − 1)·S − 2P + d(k − 1) + 1 = ({n} − 1)·{s} − 2·{p} + {d}·({k} − 1) + 1 = **{base}**.",
        "转置卷积把相同设置的卷积所做的尺寸变化倒回去：它的输入（沿 {axis} 方向为 {n}）就是那个卷积的输出。"
        "从 out = ⌊(in + 2P − d(k − 1) − 1) / S⌋ + 1 解出 in：in = (out − 1)·S − 2P + d(k − 1) + 1 = "
        "({n} − 1)·{s} − 2·{p} + {d}·({k} − 1) + 1 = **{base}**。",
    ),
    "conv.deriv.output_padding": (
        "The convolution's floor maps up to {s} input sizes to the same output size, so the inverse is not unique: "
        "output_padding (0 … S − 1) picks one. Here + {op} gives **{out}**.",
        "卷积的向下取整会把最多 {s} 个输入尺寸映射到同一个输出尺寸，所以反推不唯一：output_padding（0 … S − 1）"
        "从中选一个。这里加 {op} 得到 **{out}**。",
    ),
    "conv.deriv.round_trip": (
        "Check: a Conv2d with the same kernel, stride, padding and dilation maps {out} back to {back} (the input here is {n}).",
        "验证：用相同的卷积核、步长、填充和空洞的 Conv2d 把 {out} 映射回 {back}（这里的输入是 {n}）。",
    ),
    # --- where the tutorials slip
    "conv.slip.pool_title": ("The tutorial says “max pooling is upsampling”", "教程说“最大池化是上采样”"),
    "conv.slip.pool": (
        "Tutorial 004 calls MaxPool “upsampling” and MaxUnpool “min pooling, downsampling”. PyTorch does the "
        "opposite: MaxPool2d(2) shrinks your {shape} input to {pooled} (downsampling), and MaxUnpool2d, given the "
        "indices MaxPool returned, puts each maximum back where it came from with zeros elsewhere: a partial "
        "inverse, not a pooling.",
        "教程 004 把 MaxPool 称为“上采样”，把 MaxUnpool 称为“最小池化、下采样”。PyTorch 的实际行为正好相反："
        "MaxPool2d(2) 把你的 {shape} 输入缩小为 {pooled}（下采样）；MaxUnpool2d 利用 MaxPool 返回的索引，"
        "把每个最大值放回原来的位置，其余位置填 0：它是 MaxPool 的部分逆运算，而不是一种池化。",
    ),
    "conv.slip.corr2d": (
        "Tutorial 000's corr2d reads `x` inside its loop while its argument is `X`: as written it raises "
        "`{error}` (or silently uses some global `x`). The version above uses one name.",
        "教程 000 的 corr2d 在循环里读取 `x`，而参数名是 `X`：照原样运行会报错 `{error}`"
        "（或者悄悄用上某个全局变量 `x`）。上面的版本只用一个名字。",
    ),
    "conv.slip.flatten_title": (
        "The tutorial says Linear(196608, 10) after torch.flatten",
        "教程在 torch.flatten 之后用 Linear(196608, 10)",
    ),
    "conv.slip.flatten": (
        "Tutorial 001 flattens a batch with `torch.flatten(imgs)`, which merges the batch into one vector (for 64 "
        "inputs like this one: {flat} numbers), hence its Linear(196608, 10) for 64 CIFAR images. `nn.Flatten()` "
        "and `torch.flatten(x, 1)` keep the batch: 64 rows of {kept}, so the Linear layer takes {kept} features.",
        "教程 001 用 `torch.flatten(imgs)` 展平一个批次，这会把批量维也并进同一个向量（64 个这样的输入共 {flat} 个数），"
        "所以它对 64 张 CIFAR 图像要用 Linear(196608, 10)。`nn.Flatten()` 和 `torch.flatten(x, 1)` 保留批量维："
        "64 行，每行 {kept} 个数，全连接层的输入特征数是 {kept}。",
    ),
}
