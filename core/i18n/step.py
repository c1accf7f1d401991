"""Text of the Training step page (pages/step.py, ui/step_views.py, core.stepper)."""

TEXT = {
    "nav.step": ("Training step", "训练的一步"),
    "home.step": (
        "Take training apart: one mini-batch at a time through zero_grad, forward, loss, backward and the "
        "optimizer's step, with every gradient and every update written out, next to the loop's code.",
        "把训练拆开来看：一次一个小批量，依次经过 zero_grad、前向传播、损失、反向传播和优化器的 step，"
        "每个梯度、每次更新都写出来，旁边是训练循环的代码。",
    ),
    "step.title": ("One training step, taken apart", "拆开来看训练的一步"),
    "step.intro": (
        "Training repeats five lines for every mini-batch: `optimizer.zero_grad()`, `outputs = model(x)`, "
        "`loss = loss_fn(outputs, y)`, `loss.backward()`, `optimizer.step()`. Take one step at a time and open "
        "each line: the batch, the outputs, the loss with this batch's numbers, every gradient, and each weight "
        "before and after. The same seed always gives the same numbers, here and in the script on the right.",
        "训练对每个小批量重复五行代码：`optimizer.zero_grad()`、`outputs = model(x)`、"
        "`loss = loss_fn(outputs, y)`、`loss.backward()`、`optimizer.step()`。一次走一步，逐行展开："
        "这一批数据、模型输出、代入本批数字的损失、每个梯度，以及每个权重更新前后的值。"
        "相同的随机种子总是得到相同的数字，这里和右边的脚本中都一样。",
    ),
    "step.setup": ("Model and data", "模型与数据"),
    "step.setup_lenet_digits": ("LeNet on digits", "LeNet · 手写数字"),
    "step.setup_dnn_synthetic3": ("DNN 3-5-5-5-3 on three features", "DNN 3-5-5-5-3 · 三特征"),
    "step.setup_dnn_binary_cancer": ("Binary DNN (BCE) on breast cancer", "二分类 DNN（BCE）· 乳腺癌"),
    "step.setup_small_cnn_shapes": ("Small CNN with BatchNorm on shapes", "带 BatchNorm 的小型 CNN · 形状"),
    "step.setup_v3_shapes": (
        "CIFAR10_Net_Simple_v3 (Dropout, BatchNorm) on shapes",
        "CIFAR10_Net_Simple_v3（Dropout、BatchNorm）· 形状",
    ),
    "step.next": ("Next batch", "下一批"),
    "step.ten": ("10 steps", "走 10 步"),
    "step.reset": ("Reset", "重置"),
    "step.press_next": (
        "The model is built and its weights are set from the seed. Press **Next batch** to take the first of "
        "{batches} steps of an epoch.",
        "模型已建好，权重由随机种子确定。按 **下一批** 走一个 epoch 中 {batches} 步里的第一步。",
    ),
    "step.status": (
        "**Step {step}** · epoch {epoch}, batch {batch} of {batches}",
        "**第 {step} 步** · 第 {epoch} 个 epoch，第 {batch} / {batches} 批",
    ),
    "step.batch_loss": ("Loss on this batch", "本批损失"),
    "step.x_steps": ("step", "步"),
    "step.phase": ("Look inside", "展开查看"),
    "step.phase_batch": ("Batch", "批数据"),
    "step.phase_zero_grad": ("1 zero_grad", "1 zero_grad"),
    "step.phase_forward": ("2 Forward", "2 前向传播"),
    "step.phase_loss": ("3 Loss", "3 损失"),
    "step.phase_backward": ("4 Backward", "4 反向传播"),
    "step.phase_step": ("5 Step", "5 更新"),
    "step.phase_modes": ("train() / eval()", "train() / eval()"),
    "step.code_title": ("The loop, runnable (this phase is marked ◀◀)", "完整的训练循环，可以运行（当前阶段标有 ◀◀）"),
    "step.code_caption": (
        "Run it from Stride's folder: `python train_loop.py --steps 3` prints the first three losses shown here.",
        "在 Stride 的文件夹中运行：`python train_loop.py --steps 3` 会打印出这里显示的前三个损失。",
    ),
    "step.whole_script": ("The whole script, with the model's class", "完整脚本（含模型的类）"),
    "step.download": ("Download train_loop.py", "下载 train_loop.py"),
    "step.to_losses": ("Work other losses out on the Losses page", "在损失函数页面计算其他损失"),
    "step.to_training": ("Train a whole run on the Training page", "在训练页面完整地训练一次"),
    # --- phases ----------------------------------------------------------------------------------------
    "step.batch_intro": (
        "The DataLoader hands over the next {n} samples: x has shape {shape} (N, C, H, W for pictures, N, "
        "features for a table), y holds their class indices.",
        "DataLoader 交出接下来的 {n} 个样本：x 的形状是 {shape}（图片为 N, C, H, W，表格为 N，特征数），"
        "y 是它们的类别索引。",
    ),
    "step.batch_labels": ("Labels, in order: {labels}", "标签（按顺序）：{labels}"),
    "step.batch_order": (
        "shuffle=True: each epoch visits the samples in a new order, drawn from the seeded generator.",
        "shuffle=True：每个 epoch 按新的顺序取样本，顺序由带种子的生成器决定。",
    ),
    "step.zero_grad_intro": (
        "`loss.backward()` adds to each parameter's `.grad`; it never replaces it. `optimizer.zero_grad()` "
        "clears the last step's gradients first (PyTorch sets them to None), so each step follows only its own batch.",
        "`loss.backward()` 会把梯度累加到每个参数的 `.grad` 上，而不是替换它。"
        "`optimizer.zero_grad()` 先清除上一步的梯度（PyTorch 把它们设为 None），这样每一步只跟随自己这一批数据。",
    ),
    "step.zero_grad_first": (
        "The first step: there were no gradients to clear yet.",
        "这是第一步：还没有需要清除的梯度。",
    ),
    "step.zero_grad_cleared": ("Norm of the gradients cleared", "被清除的梯度的范数"),
    "step.forward_intro": (
        "`outputs = model(x)`: {x_shape} → {out_shape}, one row of raw scores (logits) per sample.",
        "`outputs = model(x)`：{x_shape} → {out_shape}，每个样本一行原始分数（logits）。",
    ),
    "step.sample": ("Sample", "样本"),
    "step.sample_n": ("sample {n} (label {label})", "样本 {n}（标签 {label}）"),
    "step.true_label": ("True class: {label}", "真实类别：{label}"),
    "step.outputs": ("Its outputs (logits)", "它的输出（logits）"),
    "step.probabilities_softmax": ("softmax(outputs): the most likely classes", "softmax(outputs)：最可能的类别"),
    "step.probabilities_sigmoid": ("The Sigmoid's output p, as [1 − p, p]", "Sigmoid 的输出 p，写成 [1 − p, p]"),
    "step.loss_intro_cross_entropy": (
        "`loss = nn.CrossEntropyLoss()(outputs, y)`: each sample's loss, then their mean over the batch.",
        "`loss = nn.CrossEntropyLoss()(outputs, y)`：先算每个样本的损失，再对这一批取平均。",
    ),
    "step.loss_intro_mse": (
        "MSE on a classifier: softmax(outputs) against the one-hot rows of y, every one of N × C squared "
        "differences averaged.",
        "分类问题中的 MSE：softmax(outputs) 与 y 的独热行比较，N × C 个平方差取平均。",
    ),
    "step.loss_intro_bce": (
        "`nn.BCELoss()(p.squeeze(1), y.float())`: p is the Sigmoid's output, the probability of class 1.",
        "`nn.BCELoss()(p.squeeze(1), y.float())`：p 是 Sigmoid 的输出，即属于类别 1 的概率。",
    ),
    "step.loss_agree": (
        "The formula, torch.nn.functional and the trainer's loss agree.",
        "公式、torch.nn.functional 和训练器的损失一致。",
    ),
    "step.loss_disagree": ("The three values disagree: please report this.", "三个值不一致：请报告这个问题。"),
    "step.backward_intro": (
        "`loss.backward()` fills every parameter's `.grad` with ∂loss/∂w: which way, and how strongly, each "
        "weight moves the loss. The norm per tensor, then one tensor's gradient (red: increasing this weight "
        "increases the loss; blue: decreases it).",
        "`loss.backward()` 把 ∂loss/∂w 填入每个参数的 `.grad`：每个权重往哪个方向、以多大程度影响损失。"
        "先看每个张量的梯度范数，再看某一个张量的梯度（红色：增大这个权重会增大损失；蓝色：会减小损失）。",
    ),
    "step.grad_norm": ("gradient norm", "梯度范数"),
    "step.param": ("Parameter (named_parameters())", "参数（named_parameters()）"),
    "step.grad_caption": ("{name}.grad, shape {shape}, norm {norm}", "{name}.grad，形状 {shape}，范数 {norm}"),
    "step.step_intro_sgd": (
        "SGD: `w ← w − lr·g`; with momentum μ it keeps a velocity `v ← μ·v + g` and steps by it instead.",
        "SGD：`w ← w − lr·g`；有动量 μ 时，它保存一个速度 `v ← μ·v + g`，并按速度更新。",
    ),
    "step.step_intro_adam": (
        "Adam keeps two moving averages per weight, of the gradient (m) and of its square (v), corrects their "
        "start at zero (bias correction), and steps by `lr·m̂ / (√v̂ + ε)`.",
        "Adam 为每个权重保存两个滑动平均：梯度的（m）和梯度平方的（v），修正它们从 0 开始带来的偏差（偏差修正），"
        "再按 `lr·m̂ / (√v̂ + ε)` 更新。",
    ),
    "step.step_intro_adamw": (
        "AdamW is Adam with decoupled weight decay: the weight shrinks by `lr·λ` first, then Adam's step.",
        "AdamW 是把权重衰减解耦的 Adam：先让权重按 `lr·λ` 收缩，再做 Adam 的更新。",
    ),
    "step.step_intro_rmsprop": (
        "RMSprop divides the gradient by the root of its moving mean square: `w ← w − lr·g / (√s + ε)`.",
        "RMSprop 用梯度平方的滑动平均的平方根去除梯度：`w ← w − lr·g / (√s + ε)`。",
    ),
    "step.element": ("Weight number (0 to {n}, flattened)", "权重编号（展平后 0 到 {n}）"),
    "step.element_help": (
        "Starts at the weight with the largest |gradient| this step",
        "初始为本步 |梯度| 最大的那个权重",
    ),
    "step.col_name": ("symbol", "符号"),
    "step.col_formula": ("formula", "公式"),
    "step.col_numbers": ("with the numbers", "代入数字"),
    "step.col_value": ("value", "值"),
    "step.weight_before": ("Weight before", "更新前的权重"),
    "step.weight_after": ("After optimizer.step()", "optimizer.step() 之后"),
    "step.loss_after": ("Same batch, new weights", "同一批数据，新权重"),
    "step.update_agree": (
        "Written out by hand, the update gives exactly what optimizer.step() wrote.",
        "手写出来的更新与 optimizer.step() 写入的值完全一致。",
    ),
    "step.update_disagree": (
        "The written-out update differs from optimizer.step(): please report this.",
        "手写的更新与 optimizer.step() 不一致：请报告这个问题。",
    ),
    "step.before_caption": ("{name} before the step", "更新前的 {name}"),
    "step.change_caption": ("{name}: after − before", "{name}：更新后 − 更新前"),
    "step.modes_intro": (
        "`model.train()` and `model.eval()` change only two kinds of layer: Dropout drops activations at random "
        "in training and not in evaluation; BatchNorm normalises with this batch's statistics in training (and "
        "updates its running statistics), with the running ones in evaluation. Evaluation also runs under "
        "`torch.no_grad()`: no graph, no gradients.",
        "`model.train()` 和 `model.eval()` 只改变两类层：Dropout 在训练时随机丢弃激活值，评估时不丢弃；"
        "BatchNorm 训练时用本批数据的统计量归一化（并更新它的滑动统计量），评估时用滑动统计量。"
        "评估还在 `torch.no_grad()` 下运行：不建计算图，不算梯度。",
    ),
    "step.mode_difference": (
        "Largest |train − eval| difference in this batch's outputs",
        "本批输出中 |train − eval| 的最大差值",
    ),
    "step.modes_none": (
        "This model has no Dropout and no BatchNorm, so train() and eval() compute exactly the same outputs. "
        "Choose the small CNN (BatchNorm) or CIFAR10_Net_Simple_v3 (both) to see a difference.",
        "这个模型没有 Dropout 也没有 BatchNorm，所以 train() 和 eval() 的输出完全相同。"
        "选择小型 CNN（BatchNorm）或 CIFAR10_Net_Simple_v3（两者都有）就能看到差别。",
    ),
    "step.dropout_caption": (
        "{name} (p = {p}): this step's mask for the first sample; black = dropped ({zeroed} of its inputs)",
        "{name}（p = {p}）：本步第一个样本的掩码；黑色 = 被丢弃（占输入的 {zeroed}）",
    ),
    "step.batchnorm_title": (
        "**{name}** (momentum {momentum}): the first channels",
        "**{name}**（momentum {momentum}）：前几个通道",
    ),
    "step.col_channel": ("channel", "通道"),
    "step.col_batch_mean": ("this batch's mean", "本批均值"),
    "step.col_running_before": ("running_mean before", "之前的 running_mean"),
    "step.col_running_after": ("running_mean after", "之后的 running_mean"),
    "step.running_mean_rule": (
        "Checked: running_mean ← (1 − {momentum})·running_mean + {momentum}·batch mean, for every channel shown.",
        "已核对：running_mean ← (1 − {momentum})·running_mean + {momentum}·本批均值，所列每个通道都成立。",
    ),
    # --- settings that cannot be used --------------------------------------------------------------------
    "step.unknown_setup": (
        "There is no setup `{value}`; choose one of {choices}",
        "没有名为 `{value}` 的组合；请从 {choices} 中选择",
    ),
    "step.loss_not_for_model": (
        "This model cannot train with `{value}`; use {choices}",
        "这个模型不能用 `{value}` 训练；请使用 {choices}",
    ),
    "step.not_one_of": ("`{name}` = {value} is not one of {choices}", "`{name}` = {value} 不是 {choices} 之一"),
    "step.batch_range": (
        "batch size {value} is outside {low}–{high}; the nearest allowed is {low} or {high}",
        "批大小 {value} 不在 {low}–{high} 范围内；最接近的允许值是 {low} 或 {high}",
    ),
    "step.bad_number": (
        "momentum {momentum} must be in [0, 1) and the seed {seed} 0 or more; use 0.9 and 0",
        "momentum {momentum} 必须在 [0, 1) 内，随机种子 {seed} 必须不小于 0；可以用 0.9 和 0",
    ),
}
