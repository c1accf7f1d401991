"""Text shared by the app shell and every page."""

TEXT = {
    "app.title": ("Stride", "Stride"),
    "app.tagline": (
        "A hands-on lab for convolutional neural networks with PyTorch",
        "用 PyTorch 动手学卷积神经网络的实验室",
    ),
    "sidebar.language": ("Language", "语言"),
    "sidebar.device": ("Compute device", "计算设备"),
    "sidebar.device_cpu": ("CPU · pages use {threads} torch thread(s)", "CPU · 页面使用 {threads} 个 torch 线程"),
    "sidebar.device_cuda": ("GPU: {name}", "GPU:{name}"),
    "sidebar.versions": ("torch {torch} · streamlit {streamlit}", "torch {torch} · streamlit {streamlit}"),
    "nav.home": ("Home", "首页"),
    "nav.convolution": ("Convolution", "卷积"),
    "common.url_problem": (
        "The link's `{name}` value `{value}` was not used: {reason}",
        "链接中的 `{name}` 值 `{value}` 未被采用：{reason}",
    ),
    "common.as_table": ("As a table", "表格形式"),
    "common.upload_cap": (
        "Up to {mb} MB per file. A bigger file is marked in red and not sent (point at it to see why).",
        "每个文件最大 {mb} MB。更大的文件会标成红色且不会上传（鼠标指向它可以看到原因）。"
        "把文件拖进上面的框，或点「Upload」选择文件（框里的英文由 Streamlit 提供，无法翻译）。",
    ),
    "common.choose_options": ("Choose options", "请选择"),
}

TEXT |= {
    "url.bad_pair": (
        "URL parameter `{name}={value}` is not a whole number or `HxW`; using `{default}`.",
        "URL 参数 `{name}={value}` 不是整数或 `HxW` 形式；改用 `{default}`。",
    ),
    "url.out_of_range": (
        "URL parameter `{name}={value}` is outside {low}..{high}; using the nearest valid value `{used}`.",
        "URL 参数 `{name}={value}` 超出范围 {low}..{high}；改用最接近的有效值 `{used}`。",
    ),
    "url.bad_choice": (
        "URL parameter `{name}={value}` is not one of: {choices}; using `{used}`.",
        "URL 参数 `{name}={value}` 不是以下之一：{choices}；改用 `{used}`。",
    ),
}

TEXT |= {
    "home.intro": (
        "Stride is a lab, not a lecture: every idea of a first course on convolutional networks is "
        "something you can set, run and look at. Move a slider and the formula fills in with your "
        "numbers; the numbers come from PyTorch itself.",
        "Stride 是实验室，不是讲堂：卷积神经网络入门课的每个概念都可以亲手设置、运行和观察。"
        "拖动滑块，公式会代入你的数字；所有结果都由 PyTorch 实际计算得出。",
    ),
    "home.convolution": (
        "Convolution: kernel, stride, padding and dilation on a matrix and on a photo, the output-size "
        "formula with your numbers, pooling, activation functions and transposed convolution.",
        "卷积：在矩阵和照片上调节卷积核、步长、填充和空洞，查看代入你的数字的输出尺寸公式，以及池化、激活函数和转置卷积。",
    ),
}
