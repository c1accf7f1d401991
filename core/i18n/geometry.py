"""Text for core/geometry.py: why a conv, pooling or transposed-conv setting is invalid, and what to use instead.

Each message names the broken rule, the offending value and the nearest valid choice. PyTorch
argument names (kernel_size, padding_mode, ...) stay in English in both languages.
"""

TEXT = {
    "geometry.channels_not_positive": (
        "{name} must be at least 1, got {value}; use {name}=1",
        "{name}（通道数）至少为 1，当前为 {value}；请使用 {name}=1",
    ),
    "geometry.groups_not_positive": (
        "groups must be at least 1, got {groups}; use groups=1",
        "groups（分组数）至少为 1，当前为 {groups}；请使用 groups=1",
    ),
    "geometry.groups_not_dividing": (
        "{name}={channels} is not divisible by groups={groups}; use groups={suggestion}",
        "{name}={channels} 不能被 groups={groups} 整除（每个分组的通道数必须相同）；请使用 groups={suggestion}",
    ),
    "geometry.kernel_size_not_positive": (
        "kernel_size must be at least 1, got {value} along {axis}; use kernel_size ≥ 1",
        "{axis} 方向的卷积核尺寸 kernel_size 至少为 1，当前为 {value}；请使用 kernel_size ≥ 1",
    ),
    "geometry.stride_not_positive": (
        "stride must be at least 1, got {value} along {axis}; use stride ≥ 1",
        "{axis} 方向的步长 stride 至少为 1，当前为 {value}；请使用 stride ≥ 1",
    ),
    "geometry.dilation_not_positive": (
        "dilation must be at least 1 (1 means no gaps), got {value} along {axis}; use dilation ≥ 1",
        "{axis} 方向的空洞（膨胀）率 dilation 至少为 1（1 表示没有间隔），当前为 {value}；请使用 dilation ≥ 1",
    ),
    "geometry.empty_input": (
        "the input {shape} (C×H×W) is empty; use at least 1 channel and 1×1 pixels",
        "输入 {shape}（C×H×W）为空；请至少使用 1 个通道和 1×1 像素",
    ),
    "geometry.channel_mismatch": (
        "the input has {channels} channels but in_channels is {in_channels}; use in_channels={channels}",
        "输入有 {channels} 个通道，但 in_channels 为 {in_channels}；请使用 in_channels={channels}",
    ),
    "geometry.padding_string": (
        "padding '{value}' is not one PyTorch knows ('same', 'valid' or a number); use padding='{suggestion}'",
        "填充 padding '{value}' 无效（可用 'same'、'valid' 或数字）；请使用 padding='{suggestion}'",
    ),
    "geometry.padding_mode": (
        "padding_mode '{value}' is not one of {choices}; use padding_mode='{suggestion}'",
        "填充模式 padding_mode '{value}' 不在 {choices} 之中；请使用 padding_mode='{suggestion}'",
    ),
    "geometry.same_needs_stride_one": (
        "padding='same' only works with stride 1, got stride {stride}; use stride=1 or padding={padding}",
        "padding='same' 只支持步长为 1，当前步长为 {stride}；请使用 stride=1 或 padding={padding}",
    ),
    "geometry.padding_negative": (
        "padding must be at least 0, got {value} along {axis}; use padding=0",
        "{axis} 方向的填充 padding 不能为负，当前为 {value}；请使用 padding=0",
    ),
    "geometry.reflect_padding_too_large": (
        "reflect padding {padding} must be smaller than the input {in_size} along {axis}; "
        "use padding ≤ {max_padding} or padding_mode='replicate'",
        "reflect 填充 {padding} 必须小于 {axis} 方向的输入尺寸 {in_size}；"
        "请使用 padding ≤ {max_padding} 或 padding_mode='replicate'",
    ),
    "geometry.circular_padding_too_large": (
        "circular padding {padding} can't wrap around the input {in_size} more than once along {axis}; "
        "use padding ≤ {max_padding} or padding_mode='replicate'",
        "circular 填充 {padding} 不能在 {axis} 方向绕输入尺寸 {in_size} 超过一圈；"
        "请使用 padding ≤ {max_padding} 或 padding_mode='replicate'",
    ),
    "geometry.kernel_too_large": (
        "kernel {kernel} (dilated: {effective}) is larger than the padded input {padded} "
        "({in_size} + {pad_text}) along {axis}; use kernel ≤ {max_kernel} or padding ≥ {min_padding}",
        "{axis} 方向的卷积核 {kernel}（膨胀后为 {effective}）大于填充后的输入 {padded}"
        "({in_size} + {pad_text})；请使用卷积核 ≤ {max_kernel} 或填充 ≥ {min_padding}",
    ),
    "geometry.padding_crops_input": (
        "negative padding crops the input {in_size} to {padded} ({in_size} + {pad_text}) along {axis}, "
        "less than the kernel {kernel} (dilated: {effective}); use padding ≥ {min_padding}",
        "负的填充把 {axis} 方向的输入 {in_size} 裁成了 {padded}（{in_size} + {pad_text}），"
        "小于卷积核 {kernel}（膨胀后为 {effective}）；请使用填充 ≥ {min_padding}",
    ),
    "geometry.pool_kind": (
        "pooling kind '{value}' is not 'max' or 'avg'; use '{suggestion}'",
        "池化类型 '{value}' 不是 'max' 或 'avg'；请使用 '{suggestion}'",
    ),
    "geometry.avg_pool_dilation": (
        "average pooling has no dilation, got {value}; use dilation=1 or max pooling",
        "平均池化没有空洞（膨胀）参数，当前为 {value}；请使用 dilation=1 或改用最大池化",
    ),
    "geometry.pool_padding_too_large": (
        "pooling padding {padding} is more than half the kernel {kernel} along {axis}; "
        "use padding ≤ {max_padding} or kernel ≥ {min_kernel}",
        "{axis} 方向的池化填充 {padding} 超过了池化核 {kernel} 的一半；"
        "请使用填充 ≤ {max_padding} 或池化核 ≥ {min_kernel}",
    ),
    "geometry.pool_output_too_small": (
        "the pooling window {effective} does not fit the padded input {padded} ({in_size} + 2×{padding}) "
        "along {axis}, so the output size would be {out_size}; use kernel ≤ {max_kernel}",
        "{axis} 方向的池化窗口 {effective} 放不进填充后的输入 {padded}（{in_size} + 2×{padding}），"
        "输出尺寸会是 {out_size}；请使用池化核 ≤ {max_kernel}",
    ),
    "geometry.transpose_padding_mode": (
        "ConvTranspose2d only supports padding_mode='zeros', got '{value}'; use padding_mode='zeros'",
        "ConvTranspose2d 只支持 padding_mode='zeros'，当前为 '{value}'；请使用 padding_mode='zeros'",
    ),
    "geometry.output_padding_negative": (
        "output_padding must be at least 0, got {value} along {axis}; use output_padding=0",
        "{axis} 方向的 output_padding 不能为负，当前为 {value}；请使用 output_padding=0",
    ),
    "geometry.output_padding_too_large": (
        "output_padding {output_padding} must be smaller than stride {stride} or dilation {dilation} "
        "along {axis}; use output_padding ≤ {max_output_padding}",
        "{axis} 方向的 output_padding {output_padding} 必须小于步长 {stride} 或空洞（膨胀）率 {dilation}；"
        "请使用 output_padding ≤ {max_output_padding}",
    ),
    "geometry.transpose_output_too_small": (
        "padding {padding} trims the whole output along {axis} (output size {out_size}); use padding ≤ {max_padding}",
        "{axis} 方向的填充 {padding} 把输出全部裁掉了（输出尺寸为 {out_size}）；请使用填充 ≤ {max_padding}",
    ),
}
