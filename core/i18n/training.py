"""Text of the training page (pages/training.py)."""

TEXT = {
    "nav.training": ("Training", "训练"),
    "home.training": (
        "Training: pick a data set and a model, set epochs, batch size and learning rate, then watch loss, "
        "accuracy, the confusion matrix and the mistakes arrive live; stop, resume and compare runs.",
        "训练：选择数据集和模型，设置 epoch、batch 大小和学习率，然后实时观察损失、准确率、混淆矩阵和分错的样本；"
        "可以停止、继续和比较多次训练。",
    ),
    "training.title": ("Training", "训练"),
    "training.intro": (
        "Choose the data, a model and the hyper-parameters, then start: the run trains in a background "
        "process, so you can leave or refresh the page and come back to it. The curves below are "
        "read from the run's files while it writes them.",
        "选择数据、模型和超参数，然后开始：训练在后台进程中运行，你可以离开或刷新页面，之后再回来查看。"
        "下面的曲线是在训练写入文件的同时从训练任务的文件中读取的。",
    ),
    "training.recipes": ("One click: fill in a tried recipe and start it.", "一键开始：填入一个验证过的配方并启动。"),
    "training.recipe_lenet_digits": ("LeNet on digits (about {seconds} s)", "LeNet 训练手写数字（约 {seconds} 秒）"),
    "training.recipe_lenet_digits_help": (
        "LeNet, 6 epochs of the 8×8 digits upscaled to 32×32, Adam with a one-cycle learning rate peaking at 0.01",
        "LeNet，在放大到 32×32 的 8×8 手写数字上训练 6 个 epoch，Adam 优化器，one-cycle 学习率峰值 0.01",
    ),
    "training.recipe_cnn_shapes": ("Small CNN on shapes (about {seconds} s)", "小型 CNN 训练形状（约 {seconds} 秒）"),
    "training.recipe_cnn_shapes_help": (
        "The small modern CNN (conv-BN-ReLU blocks), 6 epochs of the generated 32×32 colour shapes, Adam one-cycle",
        "小型现代 CNN（conv-BN-ReLU 块），在生成的 32×32 彩色形状上训练 6 个 epoch，Adam + one-cycle",
    ),
    # --- data ---
    "training.data": ("1 · Data", "1 · 数据"),
    "training.dataset": ("Data set", "数据集"),
    "training.max_samples": ("Samples to use (0 = all)", "使用的样本数（0 = 全部）"),
    "training.max_samples_help": (
        "A class-balanced random subset, for a quicker run; split into training, validation and test like the whole set",
        "按类别均衡随机取的子集，用于更快地试跑；与完整数据集一样划分为训练、验证和测试集",
    ),
    "training.val_fraction": ("Validation share", "验证集比例"),
    "training.val_fraction_help": (
        "Share of the data held out and evaluated after each epoch, never trained on",
        "留出的数据比例，每个 epoch 结束后在其上评估，从不用于训练",
    ),
    "training.split_sizes": (
        "Split: {train} training · {val} validation · {test} test samples",
        "划分：{train} 个训练样本 · {val} 个验证样本 · {test} 个测试样本",
    ),
    "training.preview_details": ("How the data was prepared, samples per class", "数据如何准备、每类样本数"),
    "training.split_train": ("Training", "训练集"),
    "training.split_val": ("Validation", "验证集"),
    "training.split_test": ("Test", "测试集"),
    "training.preview_grid": (
        "The first {n} training images of each class, one row per class, as the model sees them ({shape}) before normalisation",
        "每个类别的前 {n} 张训练图片，每行一个类别，即模型看到的样子（{shape}），显示的是归一化之前的像素",
    ),
    "training.preview_rows": (
        "The first training rows, standardised: (x − mean) / std per feature",
        "前几行训练数据，已标准化：每个特征 (x − mean) / std",
    ),
    "training.col_class": ("Class", "类别"),
    # --- model ---
    "training.model": ("2 · Model", "2 · 模型"),
    "training.source": ("Model from", "模型来源"),
    "training.source_preset": ("A preset", "预设模型"),
    "training.source_architecture": ("The Architecture page", "网络结构页面"),
    "training.arch_spec": (
        "Model from the Architecture page: {name}, input {shape}",
        "来自网络结构页面的模型：{name}，输入 {shape}",
    ),
    "training.custom_model": ("custom model", "自定义模型"),
    "training.preset": ("Preset", "预设"),
    "training.preset_help": (
        "Only the presets whose input shape and number of outputs fit this data set are listed",
        "这里只列出输入形状和输出个数与该数据集相符的预设模型",
    ),
    "training.preset_shape": ("Input per sample: {shape}", "每个样本的输入：{shape}"),
    "training.see_layers": ("Show its layers", "查看它的各层"),
    "training.no_preset_fits": (
        "No preset takes samples of shape {shape} with this many classes. Build one on the Architecture "
        "page (for example Linear → ReLU → Linear) and press “Train this model”.",
        "没有预设模型接受形状为 {shape} 的样本并输出相应的类别数。请在网络结构页面搭建一个"
        "（例如 Linear → ReLU → Linear），再点击“训练此模型”。",
    ),
    "training.preset_fits_nothing": (
        "The link's preset `{preset}` fits none of the data sets here (its input is too large or has no matching "
        "data); a preset that fits the chosen data set is shown instead.",
        "链接中的预设 `{preset}` 不适合这里的任何数据集（输入太大或没有相符的数据）；已改为显示适合所选数据集的预设。",
    ),
    "training.choose_model": (
        "Choose a model that fits this data set before starting.",
        "开始之前，请选择一个适合该数据集的模型。",
    ),
    # --- hyper-parameters ---
    "training.hyper": ("3 · Hyper-parameters", "3 · 超参数"),
    "training.epochs": ("Epochs", "Epoch 数"),
    "training.epochs_help": ("Passes over the whole training set", "遍历整个训练集的次数"),
    "training.batch_size": ("Batch size", "Batch 大小"),
    "training.batch_size_help": (
        "Samples per step: one gradient and one update per batch (1 = stochastic, all = batch gradient descent)",
        "每一步的样本数：每个 batch 计算一次梯度、更新一次参数（1 = 随机梯度下降，全部 = 批量梯度下降）",
    ),
    "training.optimizer": ("Optimizer", "优化器"),
    "training.optimizer_help": ("How a gradient becomes a change of the weights", "如何把梯度变成权重的更新"),
    "training.optimizer_sgd": ("SGD (with momentum)", "SGD（带动量）"),
    "training.optimizer_adam": ("Adam", "Adam"),
    "training.optimizer_adamw": ("AdamW", "AdamW"),
    "training.optimizer_rmsprop": ("RMSprop", "RMSprop"),
    "training.lr": ("Learning rate (lr)", "学习率（lr）"),
    "training.lr_help": (
        "Size of each update; typical: 0.001 for Adam, 0.01 to 0.1 for SGD. Too large and the loss explodes",
        "每次更新的步长；常用值：Adam 用 0.001，SGD 用 0.01 到 0.1。太大则损失会发散",
    ),
    "training.momentum": ("Momentum", "动量（momentum）"),
    "training.momentum_help": (
        "SGD and RMSprop only: how much of the previous update carries over (0.9 is usual)",
        "仅用于 SGD 和 RMSprop：上一次更新保留多少（通常为 0.9）",
    ),
    "training.weight_decay": ("Weight decay", "权重衰减（weight_decay）"),
    "training.weight_decay_help": (
        "A penalty that pulls every weight towards 0 at each step; fights overfitting",
        "每一步把所有权重拉向 0 的惩罚项；用于抑制过拟合",
    ),
    "training.schedule": ("Learning-rate schedule", "学习率调度"),
    "training.schedule_help": (
        "How lr changes during the run. StepLR: × gamma every step_size epochs; MultiStepLR: × gamma at chosen "
        "epochs; cosine: down to 0 along half a cosine; one-cycle: up to lr, then down to almost 0",
        "训练中 lr 如何变化。StepLR：每 step_size 个 epoch 乘以 gamma；MultiStepLR：在指定 epoch 乘以 gamma；"
        "余弦：沿半个余弦曲线降到 0；one-cycle：先升到 lr，再降到接近 0",
    ),
    "training.schedule_none": ("Constant", "不变"),
    "training.schedule_step": ("StepLR", "StepLR"),
    "training.schedule_multistep": ("MultiStepLR", "MultiStepLR"),
    "training.schedule_cosine": ("Cosine", "余弦（Cosine）"),
    "training.schedule_onecycle": ("One-cycle", "One-cycle"),
    "training.step_size": ("step_size (epochs)", "step_size（epoch 数）"),
    "training.step_size_help": (
        "StepLR multiplies lr by gamma every step_size epochs",
        "StepLR 每隔 step_size 个 epoch 把 lr 乘以 gamma",
    ),
    "training.milestones": ("milestones (epochs)", "milestones（epoch 编号）"),
    "training.milestones_help": (
        "MultiStepLR multiplies lr by gamma after each of these epochs",
        "MultiStepLR 在这些 epoch 之后把 lr 乘以 gamma",
    ),
    "training.gamma": ("gamma", "gamma"),
    "training.gamma_help": ("The factor the schedule multiplies lr by", "调度把 lr 乘以的系数"),
    "training.loss": ("Loss", "损失函数"),
    "training.loss_help": (
        "What the training minimises; cross-entropy is the usual one for classes",
        "训练要最小化的量；分类问题通常用交叉熵",
    ),
    "training.loss_cross_entropy": ("CrossEntropyLoss", "CrossEntropyLoss"),
    "training.loss_mse": ("MSELoss (softmax vs one-hot)", "MSELoss（softmax 与 one-hot 比较）"),
    "training.loss_bce": ("BCELoss (one sigmoid output)", "BCELoss（一个 Sigmoid 输出）"),
    "training.loss_semantics_cross_entropy": (
        "`nn.CrossEntropyLoss()(outputs, y)`: raw outputs (logits), one per class; it applies log-softmax itself.",
        "`nn.CrossEntropyLoss()(outputs, y)`：原始输出（logits），每个类别一个；它自己计算 log-softmax。",
    ),
    "training.loss_semantics_mse": (
        "For classes, MSE compares probabilities with one-hot rows: "
        "`nn.MSELoss()(outputs.softmax(dim=1), F.one_hot(y, C).float())`.",
        "对于分类，MSE 比较的是概率和独热行：`nn.MSELoss()(outputs.softmax(dim=1), F.one_hot(y, C).float())`。",
    ),
    "training.loss_semantics_bce": (
        "This model has one output, a probability after its Sigmoid: `nn.BCELoss()(p.squeeze(1), y.float())`; "
        "class 1 when p ≥ 0.5.",
        "这个模型只有一个输出，经过 Sigmoid 后是一个概率：`nn.BCELoss()(p.squeeze(1), y.float())`；p ≥ 0.5 时为类别 1。",
    ),
    "training.upload_zip": ("Your zip of class folders", "你的 zip（按类别分文件夹）"),
    "training.upload_csv": ("Your CSV table", "你的 CSV 表格"),
    "training.upload_mode": ("Pictures", "图片"),
    "training.upload_mode_RGB": ("colour (3 channels)", "彩色（3 个通道）"),
    "training.upload_mode_L": ("grey (1 channel)", "灰度（1 个通道）"),
    "training.upload_prompt_zip": (
        "Upload a zip with one folder per class (for example ants/ and bees/, pictures inside). The zip is "
        "checked here, then the pictures are stored with the run as tensors.",
        "上传一个 zip，每个类别一个文件夹（例如 ants/ 和 bees/，图片放在里面）。zip 会先在这里检查，"
        "然后图片以张量的形式随训练任务一起保存。",
    ),
    "training.upload_prompt_csv": (
        "Upload a CSV: numeric feature columns, then the class in the last column (a header row is optional), "
        "like the tutorial's Data.csv.",
        "上传一个 CSV：若干数值特征列，最后一列是类别（可以有表头行），就像教程中的 Data.csv。",
    ),
    "training.upload_left_out": ("{n} file(s) left out", "{n} 个文件未使用"),
    "training.upload_first": (
        "Upload your data first: a zip of class folders or a CSV table",
        "请先上传你的数据：按类别分文件夹的 zip，或 CSV 表格",
    ),
    "training.see_losses": ("Work a loss out by hand", "手动算一遍损失"),
    "training.see_pipeline": ("What each batch gets: the data pipeline", "每一批拿到什么：数据管道"),
    "training.see_step": ("One step, taken apart", "拆开来看训练的一步"),
    "training.preset_fitted": (
        "Fitted to this data: {name} (first layer takes its columns, last layer gives its classes).",
        "已按这份数据调整：{name}（第一层接收它的特征列，最后一层输出它的类别数）。",
    ),
    "training.crop_padding": ("Crop padding (px)", "裁剪填充（像素）"),
    "training.crop_padding_help": (
        "RandomCrop(size, padding): pad each training image, cut it back at a random place (0 = off)",
        "RandomCrop(size, padding)：给每张训练图片填充，再在随机位置裁剪回原尺寸（0 = 关闭）",
    ),
    "training.flip": ("Horizontal flip", "水平翻转"),
    "training.flip_help": (
        "RandomHorizontalFlip: mirror a random half of the training images; fine for shapes, wrong for digits",
        "RandomHorizontalFlip：随机镜像一半的训练图片；适合形状，不适合数字",
    ),
    "training.zoom": ("Random zoom (±)", "随机缩放（±）"),
    "training.zoom_help": (
        "RandomAffine(0, scale=(1 − z, 1 + z)): scale each training image by a random factor, so the "
        "model meets digits larger and smaller than the data set's (0 = off)",
        "RandomAffine(0, scale=(1 − z, 1 + z))：把每张训练图片随机放大或缩小，让模型见到比数据集中更大"
        "或更小的数字（0 = 关闭）",
    ),
    "training.augment_images_only": ("Augmentation applies to images only.", "数据增强只适用于图像。"),
    "training.seed": ("Seed", "随机种子"),
    "training.seed_help": (
        "Fixes the initial weights, the shuffling and the augmentation: the same seed gives the same run on a CPU",
        "固定初始权重、打乱顺序和数据增强：在 CPU 上同一种子得到同样的训练过程",
    ),
    "training.device": ("Device", "设备"),
    "training.device_help": (
        "Where the run computes; auto = cuda when a GPU is available",
        "在哪里计算；auto = 有 GPU 时用 cuda",
    ),
    "training.device_auto": ("auto", "auto（自动）"),
    "training.device_cpu": ("cpu", "cpu"),
    "training.device_cuda": ("cuda", "cuda"),
    "training.arithmetic": (
        "{n} training samples / batch size {batch} = {iterations} iterations per epoch; "
        "{epochs} epochs × {iterations} = {total} iterations in total.",
        "{n} 个训练样本 / batch 大小 {batch} = 每个 epoch {iterations} 次迭代；"
        "{epochs} 个 epoch × {iterations} = 共 {total} 次迭代。",
    ),
    "training.start": ("Start training", "开始训练"),
    # --- the live area ---
    "training.live": ("Run {run_id}", "训练任务 {run_id}"),
    "training.status_queued": ("Queued", "排队中"),
    "training.status_running": ("Running", "训练中"),
    "training.status_finished": ("Finished", "已完成"),
    "training.status_failed": ("Failed", "失败"),
    "training.status_cancelled": ("Stopped", "已停止"),
    "training.status_interrupted": ("Interrupted", "已中断"),
    "training.status_because": ("{status}: {reason}", "{status}：{reason}"),
    "training.queued_next": ("it starts as soon as a running job ends", "正在训练的任务一结束就开始"),
    "training.queued_ahead": ("{n} run(s) ahead of it in the queue", "队列中还有 {n} 个训练任务排在它前面"),
    "training.stop": ("Stop", "停止"),
    "training.waiting_first_metrics": (
        "Loading the data and building the model…",
        "正在加载数据并构建模型……",
    ),
    "training.progress": (
        "step {step}/{total} · {done} of {epochs} epochs done",
        "第 {step}/{total} 步 · 已完成 {done}/{epochs} 个 epoch",
    ),
    "training.start_facts": (
        "{n} training samples / batch {batch} = {iterations} iterations per epoch · {parameters} parameters · "
        "on {device}, {threads} threads",
        "{n} 个训练样本 / batch {batch} = 每个 epoch {iterations} 次迭代 · {parameters} 个参数 · {device},{threads} 个线程",
    ),
    "training.m_loss": ("Training loss", "训练损失"),
    "training.m_acc": ("Training accuracy", "训练准确率"),
    "training.m_val_acc": ("Validation accuracy", "验证准确率"),
    "training.m_test_acc": ("Test accuracy", "测试准确率"),
    "training.m_lr": ("Learning rate", "学习率"),
    "training.m_speed": ("Images per second", "每秒图片数"),
    "training.m_eta": ("Time left", "剩余时间"),
    "training.fig_loss": ("Loss", "损失"),
    "training.fig_acc": ("Accuracy", "准确率"),
    "training.fig_lr": ("Learning rate", "学习率"),
    "training.x_step": ("iteration (step)", "迭代（步）"),
    "training.x_epoch": ("epoch", "epoch"),
    "training.y_loss": ("loss", "损失"),
    "training.y_acc": ("accuracy", "准确率"),
    "training.s_train_loss": ("training (mean since last point)", "训练（自上一点以来的平均）"),
    "training.s_val_loss": ("validation (end of epoch)", "验证（epoch 结束时）"),
    "training.s_train_acc": ("training (running, this epoch)", "训练（本 epoch 累计）"),
    "training.s_val_acc": ("validation (end of epoch)", "验证（epoch 结束时）"),
    "training.last_epoch": ("Validation after epoch {epoch}", "第 {epoch} 个 epoch 之后的验证结果"),
    "training.confusion": (
        "Confusion matrix: row = true class, column = predicted; the diagonal is right",
        "混淆矩阵：行 = 真实类别，列 = 预测类别；对角线为预测正确",
    ),
    "training.true_class": ("true class", "真实类别"),
    "training.predicted_class": ("predicted class", "预测类别"),
    "training.per_class": ("Accuracy per class", "各类别准确率"),
    "training.misclassified": ("Some validation samples it got wrong", "部分预测错误的验证样本"),
    "training.misclassified_caption": ("{true} → {predicted}", "{true} → {predicted}"),
    "training.no_misclassified": ("None: every validation sample was right.", "没有：所有验证样本都预测正确。"),
    "training.features": ("features (standardised)", "特征（已标准化）"),
    "training.filters": ("First-layer filters (kernels)", "第一层的卷积核"),
    "training.filters_caption": (
        "`{layer}` weights {shape}, each kernel scaled to its own range: bright = large, dark = small",
        "`{layer}` 的权重 {shape}，每个卷积核按自身范围缩放：亮 = 大，暗 = 小",
    ),
    "training.no_filters": ("This model has no convolution layer.", "该模型没有卷积层。"),
    # --- runs ---
    "training.runs": ("Runs", "训练记录"),
    "training.no_runs": ("No runs yet: start one above.", "还没有训练记录：在上方开始一次训练。"),
    "training.col_run": ("run id", "训练任务编号"),
    "training.col_label": ("run", "训练任务"),
    "training.run_label": (
        "{model} · {data} · {epochs} epochs · {optimizer} lr {lr}",
        "{model} · {data} · {epochs} 个 epoch · {optimizer} lr {lr}",
    ),
    "training.rename": ("Name this run", "给这次训练命名"),
    "training.col_status": ("status", "状态"),
    "training.col_queue": ("queue position", "队列位置"),
    "training.col_dataset": ("data set", "数据集"),
    "training.col_model": ("model", "模型"),
    "training.col_epochs": ("epochs done", "已完成 epoch"),
    "training.col_val_acc": ("validation accuracy", "验证准确率"),
    "training.col_created": ("created", "创建时间"),
    "training.selected": ("Run", "训练任务"),
    "training.watch": ("Watch", "查看"),
    "training.resume": ("Resume", "继续"),
    "training.resume_help": (
        "Continue an interrupted, stopped or failed run from its last checkpoint (end of its last complete epoch)",
        "从最后一个检查点（最后一个完整 epoch 结束时）继续被中断、停止或失败的训练任务",
    ),
    "training.delete": ("Delete", "删除"),
    "training.delete_help": (
        "Delete the run and its files; stop it first if it is running",
        "删除该训练任务及其文件；正在训练的需先停止",
    ),
    "training.download": ("Download {name}", "下载 {name}"),
    "training.no_model_yet": (
        "No model saved yet (one is saved after each epoch).",
        "还没有保存模型（每个 epoch 结束后保存）。",
    ),
    "training.compare": ("Compare runs", "比较训练任务"),
    "training.compare_pick": ("Runs to compare", "要比较的训练任务"),
    "training.compare_help": (
        "Pick two or more runs to overlay their curves.",
        "选择两个或更多训练任务，叠加显示它们的曲线。",
    ),
    "training.compare_val_acc": ("Validation accuracy per epoch", "每个 epoch 的验证准确率"),
    "training.compare_loss": ("Training loss per iteration", "每次迭代的训练损失"),
    "training.config_diff": ("Settings that differ", "不同的设置"),
    "training.same_config": ("These runs have the same settings.", "这些训练任务的设置完全相同。"),
    "training.col_setting": ("setting", "设置"),
    "training.tensorboard_title": ("TensorBoard", "TensorBoard"),
    "training.tensorboard_missing": (
        "The tutorials log curves with TensorBoard's add_scalar. The tensorboard package is not installed here, "
        "so runs write no TensorBoard logs: every curve is on this page. Runs write event files into their "
        "tb/ folder only when tensorboard is installed (pip install tensorboard); then open them with:",
        "教程用 TensorBoard 的 add_scalar 记录曲线。这里没有安装 tensorboard 包，因此训练不会写 TensorBoard 日志："
        "所有曲线都在本页面上。只有安装了 tensorboard（pip install tensorboard）后，训练任务才会把事件文件写入各自的 "
        "tb/ 文件夹；然后这样打开：",
    ),
    "training.tensorboard_installed": (
        "tensorboard is installed: a run's TensorBoard event files are in its tb/ folder. Open them with:",
        "已安装 tensorboard：每个训练任务的 TensorBoard 事件文件在它的 tb/ 文件夹中。这样打开：",
    ),
}
