"""Text of the predict page (pages/predict.py)."""

TEXT = {
    "nav.predict": ("Predict", "预测"),
    "home.predict": (
        "Predict: drop your own pictures on a trained model or draw a digit, then follow the picture through "
        "the saved preprocessing into the model: probabilities, feature maps, filters and Grad-CAM.",
        "预测：把你自己的图片交给训练好的模型，或者画一个数字，然后跟着图片经过保存的预处理进入模型："
        "概率、特征图、卷积核和 Grad-CAM。",
    ),
    "predict.title": ("Predict", "预测"),
    "predict.intro": (
        "Pick a trained model, give it pictures, and look inside. Every picture takes the same path the "
        "training pictures took: the preprocessing saved with the model, then one forward pass.",
        "选择一个训练好的模型，给它图片，再看看模型内部。每张图片都走训练图片走过的同一条路："
        "先经过随模型保存的预处理，再做一次前向传播。",
    ),
    # --- the model ---
    "predict.model": ("Model", "模型"),
    "predict.model_bundled": ("{name} (bundled)", "{name}（内置）"),
    "predict.model_run": (
        "run {run_id} · {model} · {dataset} · {state}",
        "训练任务 {run_id} · {model} · {dataset} · {state}",
    ),
    "predict.model_uploaded": ("uploaded: {name}", "已上传：{name}"),
    "predict.state_queued": ("queued", "排队中"),
    "predict.state_running": ("running, latest epoch", "训练中，最新 epoch"),
    "predict.state_finished": ("finished", "已完成"),
    "predict.state_failed": ("failed, last checkpoint", "失败，最后的检查点"),
    "predict.state_cancelled": ("cancelled, last checkpoint", "已取消，最后的检查点"),
    "predict.state_interrupted": ("interrupted, last checkpoint", "已中断，最后的检查点"),
    "predict.url_unknown_model": (
        "The link's `model={value}` is not a model here; showing `{used}`. Closest: {close}.",
        "链接中的 `model={value}` 在这里不存在；改为显示 `{used}`。最接近的：{close}。",
    ),
    "predict.url_upload_gone": (
        "The link chose a model uploaded in another session; upload its files below to use it. "
        "Showing `{used}` meanwhile.",
        "该链接选择的是在另一个会话中上传的模型；请在下方上传它的文件后再使用。目前显示 `{used}`。",
    ),
    "predict.upload_model": ("Upload a model: weights + model.json", "上传模型：权重 + model.json"),
    "predict.upload_model_help": (
        "The weights as safetensors or a state dict saved by `torch.save(model.state_dict(), 'model.pt')`, "
        "and the model.json saved with the run (its layers, classes and preprocessing). Only tensors are "
        "loaded (`weights_only=True`): a file holding code is refused, never run.",
        "权重可以是 safetensors 文件，或用 `torch.save(model.state_dict(), 'model.pt')` 保存的 state dict；"
        "另需随训练任务保存的 model.json（层、类别和预处理）。只加载张量（`weights_only=True`）："
        "含有代码的文件会被拒绝，绝不会被执行。",
    ),
    "predict.weights_file": ("Weights (.safetensors, .pt)", "权重（.safetensors、.pt）"),
    "predict.model_json": ("model.json", "model.json"),
    "predict.load_model": ("Load this model", "加载这个模型"),
    "predict.upload_both": (
        "Choose both files first: the weights and the model.json that describes them.",
        "请先选择两个文件：权重，以及描述它们的 model.json。",
    ),
    "predict.classes": ("Classes", "类别数"),
    "predict.input_shape": ("Input (C × H × W)", "输入（C × H × W）"),
    "predict.input_shape_help": (
        "One picture as the model takes it: channels × height × width",
        "模型接收的一张图片：通道 × 高 × 宽",
    ),
    "predict.test_acc": ("Test accuracy", "测试准确率"),
    "predict.test_acc_help": (
        "On the held-out test split, measured when the model was saved",
        "在保留的测试集上的准确率，保存模型时测得",
    ),
    "predict.trained_on": ("Data set: {data} · classes: {names}", "数据集：{data} · 类别：{names}"),
    "predict.still_training": (
        "This run is not finished: these are its weights after epoch {epoch}.",
        "该训练任务尚未完成：这是它在第 {epoch} 个 epoch 之后的权重。",
    ),
    # --- inputs ---
    "predict.inputs": ("Pictures", "图片"),
    "predict.input": ("Give the model", "输入给模型"),
    "predict.input_upload": ("Upload pictures", "上传图片"),
    "predict.input_draw": ("Draw a digit", "画一个数字"),
    "predict.input_test": ("Test-set samples", "测试集样本"),
    "predict.images": ("Pictures (one or many)", "图片（一张或多张）"),
    "predict.images_help": (
        "PNG, JPEG, WebP, BMP, GIF or TIFF, up to {mb} MB each. The format is read from the content; "
        "a file that cannot be read gets its own message and the others are still predicted.",
        "PNG、JPEG、WebP、BMP、GIF 或 TIFF，每个最多 {mb} MB。格式按文件内容识别；"
        "无法读取的文件会单独提示，其余文件照常预测。",
    ),
    "predict.upload_prompt": (
        "Upload one picture to follow it through the model, or many to get a table of predictions.",
        "上传一张图片，跟着它走过整个模型；或上传多张，得到一张预测表。",
    ),
    "predict.ink": ("Ink", "笔迹"),
    "predict.ink_dark": ("Dark ink on light paper", "浅色纸上的深色笔迹"),
    "predict.ink_light": ("Light ink on a dark board", "深色板上的浅色笔迹"),
    "predict.stroke": ("Pen width (px)", "笔宽（像素）"),
    "predict.stroke_help": (
        "The canvas is shrunk to the model's input size: a thin line may almost vanish",
        "画布会被缩小到模型的输入尺寸：太细的线可能几乎消失",
    ),
    "predict.draw_help": (
        "Draw one digit large and centred, from the top of the square to the bottom, as in the training "
        "pictures (most of their writers crossed their 7s). The drawing is saved as a PNG and takes exactly "
        "the path of an uploaded photo.",
        "把一个数字画大、画在中间，从方框顶部一直画到底部，就像训练图片那样（训练图片的书写者大多在 7 中间加一横）。"
        "画好的图会保存为 PNG，走的路径与上传的照片完全相同。",
    ),
    "predict.ink_mismatch_dark": (
        "The model learned from dark ink on light paper (its preprocessing inverts that to bright ink on "
        "black). A light-on-dark drawing reaches it the other way round: expect wrong answers. A model "
        "only knows the kind of pictures it was trained on.",
        "模型学习的是浅色纸上的深色笔迹（预处理会把它反色成黑底亮字）。深底浅字的画到了模型那里会变成相反的颜色："
        "预计会出错。模型只认识它训练时见过的那类图片。",
    ),
    "predict.ink_mismatch_light": (
        "The model learned from light ink on a dark background. A dark-on-light drawing reaches it the "
        "other way round: expect wrong answers. A model only knows the kind of pictures it was trained on.",
        "模型学习的是深色背景上的浅色笔迹。浅底深字的画到了模型那里会变成相反的颜色：预计会出错。"
        "模型只认识它训练时见过的那类图片。",
    ),
    "predict.draw_prompt": (
        "Draw a digit in the square; the prediction follows when you let go.",
        "在方框中画一个数字；松开鼠标后即给出预测。",
    ),
    "predict.n_test": ("Samples", "样本数"),
    "predict.new_samples": ("Other samples", "换一批样本"),
    "predict.sample_name": ("test #{index}", "测试 #{index}"),
    "predict.test_caption": (
        "{right} of {n} right. These pictures are from the model's test split: it never trained on them.",
        "{n} 个中答对 {right} 个。这些图片来自模型的测试集：模型从未在它们上面训练过。",
    ),
    "predict.gallery_caption": ("{mark} true {true} → {predicted}", "{mark} 真实 {true} → {predicted}"),
    # --- the table ---
    "predict.batch": ("All {n} pictures", "全部 {n} 张图片"),
    "predict.col_file": ("file", "文件"),
    "predict.col_sample": ("sample", "样本"),
    "predict.col_top": ("top class", "最可能的类别"),
    "predict.col_probability": ("probability", "概率"),
    "predict.col_top3": ("top 3", "前 3"),
    "predict.col_true": ("true class", "真实类别"),
    "predict.col_right": ("right?", "正确？"),
    "predict.right_mark": ("✓ right", "✓ 正确"),
    "predict.wrong_mark": ("✗ wrong", "✗ 错误"),
    "predict.download_csv": ("Download as CSV", "下载为 CSV"),
    "predict.item": ("Look closely at", "仔细查看"),
    # --- preprocessing ---
    "predict.preprocessing": ("1 · Preprocessing, as the model receives the picture", "1 · 预处理：模型收到的图片"),
    "predict.preprocessing_caption": (
        "The preprocessing saved with the model, the code training used: mode {mode}, invert {invert}, "
        "resize ({resize}) to {size}, then (x − mean) / std with mean {mean} and std {std}.",
        "随模型保存的预处理，也就是训练时用的代码：模式 {mode}，反色 {invert}，缩放（{resize}）到 {size}，"
        "再做 (x − mean) / std，其中 mean 为 {mean}，std 为 {std}。",
    ),
    "predict.fit_ink_resize": (
        "the ink found, fitted into a box of 5/7 of the side, centred by its mass",
        "找到笔迹，缩放进边长 5/7 的方框，按质心居中",
    ),
    "predict.yes": ("yes", "是"),
    "predict.no": ("no", "否"),
    "predict.test_preprocessed": (
        "A test sample is already preprocessed by the trainer's loader: this is the input itself, "
        "shown as a picture with the normalisation undone.",
        "测试样本已经由训练时的数据加载器预处理过：这就是模型的输入本身，这里撤销归一化后作为图片显示。",
    ),
    "predict.step_model_view": ("What the model sees", "模型看到的样子"),
    "predict.tensor_caption": (
        "The tensor the model receives, {shape} per picture; a batch of one is {batched}. Blue is below "
        "the training mean, red above.",
        "模型收到的张量，每张图片 {shape}；一张图片组成的批次是 {batched}。蓝色低于训练均值，红色高于均值。",
    ),
    # --- the prediction ---
    "predict.prediction": ("2 · Prediction", "2 · 预测"),
    "predict.top_class": ("Prediction", "预测结果"),
    "predict.guess": ("Best guess (see below)", "最可能的猜测（见下文）"),
    "predict.why_wrong_title": (
        "Why can a model be 99% right on its test set and wrong on your picture?",
        "为什么模型在测试集上 99% 正确，却认错了你的图片？",
    ),
    "predict.why_wrong": (
        "The test accuracy is measured on pictures **like the training pictures**: held back from the same "
        "data set, made the same way. Your picture may differ in ways the model never saw: a typed font "
        "instead of handwriting, a digit much smaller or thicker, a colour, a photo's shadows, or no digit at "
        "all.\n\n"
        'A classifier has no answer "none of these": softmax shares 100% among the classes it knows, so '
        "it picks one even for a blank page or a cat, often with a high probability. The probability says "
        "how it ranks *its* classes, not how much your picture looks like its training data.\n\n"
        "What helps: look at the preprocessing row (is the digit found, centred, the right way round?), "
        "and train on pictures like yours (the *Handwritten + printed digits* set adds typed digits to "
        "MNIST's handwriting; random zoom and crop padding add sizes and positions).",
        "测试准确率是在**与训练图片相似**的图片上测得的：它们来自同一个数据集，以同样的方式制作，只是训练时"
        "被留了出来。你的图片可能在模型从未见过的方面与之不同：打印字体而不是手写、数字小得多或粗得多、"
        "带颜色、照片的阴影，或者根本没有数字。\n\n"
        "分类器没有“以上都不是”这个答案：softmax 把 100% 分给它认识的类别，所以即使是一张白纸或一只猫，"
        "它也会选出一个，而且概率常常很高。这个概率表示它如何给*自己的*类别排序，而不是你的图片有多像"
        "它的训练数据。\n\n"
        "怎样改善：看看预处理那一行（数字找到了吗？居中了吗？黑白方向对吗？），并用与你的图片相似的图片"
        "训练（*手写 + 印刷数字*数据集在 MNIST 手写数字之外加入了打印数字；随机缩放和裁剪填充加入了不同的"
        "大小和位置）。",
    ),
    "predict.probability": ("Probability", "概率"),
    "predict.right": ("True class {true}: the model is right.", "真实类别 {true}：模型答对了。"),
    "predict.wrong": (
        "True class {true}, but the model says {predicted}: wrong.",
        "真实类别是 {true}，模型却说是 {predicted}：答错了。",
    ),
    "predict.k": ("Classes shown (top-k)", "显示的类别数（top-k）"),
    "predict.softmax_caption": (
        "softmax of the last layer's outputs: one probability per class, all summing to 1. The true class "
        "of a test sample is green.",
        "最后一层输出的 softmax：每个类别一个概率，总和为 1。测试样本的真实类别显示为绿色。",
    ),
    # --- inside the model ---
    "predict.inside": ("3 · Inside the model", "3 · 模型内部"),
    "predict.layer": ("Feature maps of the conv layer", "卷积层的特征图"),
    "predict.maps_caption": (
        "{layer}: {shown} of {channels} channels, one tile each, on one scale for the layer. Red is a "
        "positive response, blue a negative one (before the ReLU), white none.",
        "{layer}：显示 {channels} 个通道中的 {shown} 个，每个通道一格，整层使用同一刻度。"
        "红色为正响应，蓝色为负响应（ReLU 之前），白色为无响应。",
    ),
    "predict.filters": ("Filters of the first conv layer", "第一个卷积层的卷积核"),
    "predict.filters_caption": (
        "{layer}.weight, shape {shape}: each kernel on its own scale, bright = large weight.",
        "{layer}.weight，形状 {shape}：每个卷积核用各自的刻度，越亮权重越大。",
    ),
    "predict.cam": ("Where the evidence for {cls} lies (Grad-CAM)", "类别 {cls} 的依据在哪里（Grad-CAM）"),
    "predict.model_view": ("What the model sees", "模型看到的样子"),
    "predict.cam_blank": (
        "Grad-CAM for {cls} is blank: weighted by their gradients, the last conv layer's channels add up "
        "to zero or less at every place, and Grad-CAM keeps only the positive part. The model's evidence "
        "for {cls} here is spread out or lies in what is missing, so this map cannot point at a region",
        "{cls} 的 Grad-CAM 是空白的：按梯度加权后，最后一个卷积层各通道在每个位置的和都不大于零，"
        "而 Grad-CAM 只保留正的部分。模型在这里支持 {cls} 的依据是分散的，或者在于缺少了什么，"
        "所以这张图无法指出某个区域",
    ),
    "predict.cam_caption": (
        "Grad-CAM for {cls} on the last conv layer: red is where it found the most evidence",
        "最后一个卷积层上 {cls} 的 Grad-CAM：红色是模型找到最多依据的地方",
    ),
    "predict.too_many_files": (
        "Only the first {max} of these {total} pictures were read: one upload takes at most {max}. "
        "Upload the others in another batch.",
        "这 {total} 张图片中只读取了前 {max} 张：一次上传最多 {max} 张。请把其余的分批上传。",
    ),
}
