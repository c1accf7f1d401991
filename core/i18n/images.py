"""Text for decoding uploaded images (core/images.py): refusals, then notes on what was changed."""

TEXT = {
    "images.empty": (
        "{name} is empty (0 bytes). Choose the file again: the upload may have been interrupted.",
        "{name} 是空文件（0 字节）。请重新选择该文件：上传可能被中断了。",
    ),
    "images.too_large": (
        "{name} is {size_mb:.1f} MB ({size_bytes:,} bytes), over the limit of {max_mb:.1f} MB "
        "({max_bytes:,} bytes) per image. Scale it down or save it as JPEG, then upload it again.",
        "{name} 大小为 {size_mb:.1f} MB（{size_bytes:,} 字节），超过每张图片 {max_mb:.1f} MB"
        "（{max_bytes:,} 字节）的上限。请缩小图片或另存为 JPEG 后重新上传。",
    ),
    "images.not_an_image": (
        "{name} is not an image that Stride can read. Allowed formats: {allowed}.",
        "{name} 不是 Stride 能读取的图片。允许的格式：{allowed}。",
    ),
    "images.format_not_allowed": (
        "{name} is a {format} file; Stride reads only {allowed}. Save it as PNG or JPEG and upload it again.",
        "{name} 是 {format} 文件；Stride 只读取 {allowed}。请另存为 PNG 或 JPEG 后重新上传。",
    ),
    "images.too_many_pixels": (
        "{name} is {width} x {height} = {pixels:,} pixels, over the limit of {max_pixels:,}. "
        "Scale it down to at most {fit_width} x {fit_height} and upload it again.",
        "{name} 为 {width} x {height} = {pixels:,} 像素，超过上限 {max_pixels:,}。"
        "请缩小到不超过 {fit_width} x {fit_height} 后重新上传。",
    ),
    "images.too_many_pixels_high_bit": (
        "{name} is a {mode} picture of {width} x {height} = {pixels:,} pixels; pictures of 16-bit, 32-bit or "
        "float values may have at most {max_pixels:,}. Scale it down to at most {fit_width} x {fit_height}, "
        "or save it with 8 bits per channel.",
        "{name} 是 {width} x {height} = {pixels:,} 像素的 {mode} 图片；16 位、32 位或浮点数值的图片最多 "
        "{max_pixels:,} 像素。请缩小到不超过 {fit_width} x {fit_height}，或另存为每通道 8 位。",
    ),
    "images.decompression_bomb": (
        "{name} declares more than {declared_over:,} pixels; the limit is {max_pixels:,}. "
        "It was refused without decoding, because a file like this can exhaust the server's "
        "memory. Scale it down and upload it again.",
        "{name} 声明的像素超过 {declared_over:,}；上限为 {max_pixels:,}。"
        "这类文件可能耗尽服务器内存，因此未经解码即被拒绝。请缩小后重新上传。",
    ),
    "images.could_not_decode": (
        "{name} could not be decoded: the file may be damaged or cut short (Pillow says: "
        "{detail}). Open it in an image editor, save it as PNG or JPEG and upload it again.",
        "无法解码 {name}：文件可能已损坏或不完整（Pillow 提示：{detail}）。"
        "请用图片编辑器打开，另存为 PNG 或 JPEG 后重新上传。",
    ),
    "images.note_alpha_on_white": (
        "transparent areas were composited on white",
        "透明区域已合成到白色背景上",
    ),
    "images.too_many_files": (
        "{name} was not read: one upload takes at most {max} pictures. Upload the others in another batch.",
        "未读取 {name}：一次上传最多 {max} 张图片。请把其余的分批上传。",
    ),
    "images.note_16_bit": (
        "16-bit values were scaled to 8 bits (value / 257)",
        "16 位数值已缩放为 8 位（数值 / 257）",
    ),
    "images.note_stretched": (
        "{mode} values from {low:g} to {high:g} were stretched to 0..255",
        "{mode} 数值从 {low:g} 到 {high:g} 已拉伸到 0..255",
    ),
    "images.note_constant": (
        "every pixel has the same {mode} value ({value:g}), shown as mid-grey",
        "所有像素的 {mode} 值都相同（{value:g}），显示为中灰色",
    ),
    "images.note_frames": (
        "only the first of {frames} frames is used",
        "只使用了 {frames} 帧中的第一帧",
    ),
    "images.note_exif_rotated": (
        "turned upright as its EXIF orientation tag ({orientation}) asks",
        "已按 EXIF 方向标记（{orientation}）转正",
    ),
    "images.note_color_converted": (
        "{mode} colours were converted to RGB with Pillow's formula (no colour profile)",
        "{mode} 颜色已按 Pillow 的公式转换为 RGB（未使用色彩配置文件）",
    ),
    "images.note_scaled_down": (
        "scaled down from {width} x {height} to {new_width} x {new_height}, "
        "so the longer side is at most {max_side} px",
        "已从 {width} x {height} 缩小到 {new_width} x {new_height}，使长边不超过 {max_side} 像素",
    ),
}
