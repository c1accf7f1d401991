"""Text of the Data pipeline page (pages/pipeline.py, core.pipeline)."""

TEXT = {
    "nav.pipeline": ("Data pipeline", "数据管道"),
    "home.pipeline": (
        "Dataset and DataLoader made visible: what batch_size, shuffle, drop_last and the seed give each "
        "iteration, ToTensor and Normalize on one pixel, and augmentation as the trainer draws it.",
        "把 Dataset 和 DataLoader 摆在眼前：batch_size、shuffle、drop_last 和随机种子让每次迭代拿到什么，"
        "ToTensor 和 Normalize 如何作用于一个像素，以及训练器实际抽到的数据增强。",
    ),
    "pipe.title": ("The data pipeline", "数据管道"),
    "pipe.intro": (
        "Before a model sees anything, a `Dataset` says what sample i is (`__len__`, `__getitem__`) and a "
        "`DataLoader` deals the samples out in mini-batches: one batch per iteration, every sample once per epoch.",
        "模型看到任何东西之前，`Dataset` 规定第 i 个样本是什么（`__len__`、`__getitem__`），"
        "`DataLoader` 把样本分成小批量发出去：每次迭代一批，每个 epoch 每个样本恰好一次。",
    ),
    "pipe.loader_title": ("What each iteration gets", "每次迭代拿到什么"),
    "pipe.loader_intro": (
        "These are the training split's samples, dealt out by a real `DataLoader` with a seeded generator: "
        "change batch_size, shuffle, drop_last or the seed and watch which samples each iteration gets.",
        "这里是训练集的样本，由一个带种子生成器的真实 `DataLoader` 发出：改变 batch_size、shuffle、"
        "drop_last 或随机种子，看看每次迭代拿到哪些样本。",
    ),
    "pipe.arithmetic": (
        "{n} samples / batch_size {b} = {full} full batches → **{count} iterations per epoch**.",
        "{n} 个样本 / batch_size {b} = {full} 个满批 → **每个 epoch {count} 次迭代**。",
    ),
    "pipe.rest_none": ("It divides exactly: nothing is left over.", "刚好整除：没有剩余样本。"),
    "pipe.rest_kept": (
        "The {rest} samples left over form one last, smaller batch (drop_last=False counts it).",
        "剩下的 {rest} 个样本组成最后一个较小的批（drop_last=False 时计入）。",
    ),
    "pipe.rest_dropped": (
        "The {rest} samples left over are dropped this epoch (drop_last=True): every batch has exactly {b}.",
        "剩下的 {rest} 个样本在这个 epoch 中被丢弃（drop_last=True）：每一批都恰好有 {b} 个。",
    ),
    "pipe.iteration": ("Iteration", "第几次迭代"),
    "pipe.iteration_gets": (
        "Iteration {i} of {count} gets {size} samples, by index in the training split: {indices}",
        "第 {i} / {count} 次迭代拿到 {size} 个样本，按在训练集中的索引：{indices}",
    ),
    "pipe.labels": ("Their labels: {labels}", "它们的标签：{labels}"),
    "pipe.first_iterations": ("The first iterations, side by side", "前几次迭代对照"),
    "pipe.col_iteration": ("iteration", "迭代"),
    "pipe.col_indices": ("sample indices", "样本索引"),
    "pipe.pixel_title": ("ToTensor and Normalize, on one pixel", "ToTensor 和 Normalize 作用于一个像素"),
    "pipe.pixel_intro": (
        "A picture file decodes to (H, W, C) whole numbers 0–255. `transforms.ToTensor()` turns it into a "
        "(C, H, W) float tensor and divides by 255; `transforms.Normalize(mean, std)` then takes each channel's "
        "mean away and divides by its std (this data set's own training statistics). Pick a pixel:",
        "图片文件解码后是 (H, W, C) 的 0–255 整数。`transforms.ToTensor()` 把它变成 (C, H, W) 的浮点张量并除以 255；"
        "`transforms.Normalize(mean, std)` 再对每个通道减去均值、除以标准差（用这个数据集自己的训练统计量）。选一个像素：",
    ),
    "pipe.sample": ("Sample (from this iteration)", "样本（来自本次迭代）"),
    "pipe.row": ("Row", "行"),
    "pipe.col": ("Column", "列"),
    "pipe.pixel_agree": (
        "By hand and through torchvision's transforms: the same numbers.",
        "手算的结果与 torchvision 的 transforms 完全相同。",
    ),
    "pipe.pixel_disagree": (
        "The hand calculation differs from torchvision: please report this.",
        "手算结果与 torchvision 不一致：请报告这个问题。",
    ),
    "pipe.normalize_note": (
        "The tutorial says Normalize works on HWC data; in PyTorch it works on (C, H, W) tensors, after ToTensor.",
        "教程说 Normalize 作用于 HWC 格式的数据；在 PyTorch 中，它作用于 ToTensor 之后的 (C, H, W) 张量。",
    ),
    "pipe.augment_title": ("Augmentation, as the trainer draws it", "训练器实际抽到的数据增强"),
    "pipe.augment_intro": (
        "RandomCrop(size, padding) pads each picture and cuts it back at a random place; RandomHorizontalFlip "
        "mirrors half of them. Below: the first batch of epoch 1 of a run with these settings, drawn by the "
        "trainer's own code from its own generator: exactly what that run's first step sees.",
        "RandomCrop(size, padding) 先给每张图片填充，再在随机位置裁剪回原尺寸；RandomHorizontalFlip 把一半图片左右翻转。"
        "下面是用这些设置训练时第 1 个 epoch 的第一批数据，由训练器自己的代码和生成器抽取：正是那次训练第一步看到的样子。",
    ),
    "pipe.as_stored": ("As stored", "原样"),
    "pipe.as_trained": (
        "As the model trains on them (zoom ±{zoom:.2f}, crop padding {padding} px, flip: {flip})",
        "模型训练时看到的样子（缩放 ±{zoom:.2f}，裁剪填充 {padding} 像素，翻转：{flip}）",
    ),
    "pipe.yes": ("yes", "是"),
    "pipe.no": ("no", "否"),
    "pipe.augment_same_draws": (
        "The first {shown} of the batch of {batch} (seed {seed}): samples {indices}. A new epoch draws new crops "
        "and flips.",
        "这一批 {batch} 个样本中的前 {shown} 个（随机种子 {seed}）：样本 {indices}。每个新的 epoch 都会重新抽取裁剪位置和翻转。",
    ),
    "pipe.flip_digits": (
        "A mirrored digit is no digit (a flipped 3 reads as Ɛ): the model would learn from pictures it never meets. "
        "Flip suits shapes and photos; for handwriting leave it off, as the Training page does.",
        "镜像后的数字不再是数字（翻转的 3 看起来像 Ɛ）：模型会从它永远遇不到的图片中学习。"
        "翻转适合形状和照片；手写数字请关闭它，训练页面默认也是关闭的。",
    ),
    "pipe.table_note": (
        "A table has no pixels: no ToTensor, no augmentation. Its features are standardised with the training "
        "split's mean and std, as Normalize does for pictures.",
        "表格没有像素：不需要 ToTensor，也不做数据增强。它的特征用训练集的均值和标准差标准化，"
        "就像 Normalize 对图片所做的那样。",
    ),
    "pipe.code_title": ("The same pipeline as code", "同样的数据管道，写成代码"),
    "pipe.code_caption": (
        "Run it from Stride's folder: its iterations print the labels of the samples shown above.",
        "在 Stride 的文件夹中运行：它打印的每次迭代的标签，就是上面显示的样本的标签。",
    ),
    "pipe.download": ("Download data_pipeline.py", "下载 data_pipeline.py"),
    "pipe.to_step": ("Follow one batch through a training step", "跟随一批数据走完训练的一步"),
    "pipe.to_training": ("Train on this data", "用这份数据训练"),
}
