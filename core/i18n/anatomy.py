"""Text for what a model is made of (ui/anatomy_views.py, core/anatomy.py, core/transfer.py), train() vs eval()
(ui/train_eval_views.py), the tutorials' slips (ui/tutorial_notes.py) and the training form's transfer controls
(ui/transfer_form.py)."""

TEXT = {
    # --- the architecture page's new tabs ---
    "arch.params_tab": ("Parameters", "参数"),
    "arch.module_tab": ("Inside nn.Module", "nn.Module 内部"),
    "arch.modes_tab": ("train() vs eval()", "train() 与 eval()"),
    # --- parameters and freezing ---
    "anatomy.params_intro": (
        "Every tensor the optimiser can change, as `model.named_parameters()` lists it: the layer's name, "
        "then `weight` or `bias`. A layer's count is the product of each shape, summed. Tick a layer to "
        "freeze it (`requires_grad = False`): it keeps its values while the rest trains, and the "
        "Trainable and Frozen totals above change.",
        "优化器能更新的每一个张量，按 `model.named_parameters()` 的顺序列出：层名后接 `weight` 或 `bias`。"
        "一层的参数量就是各个形状的乘积之和。勾选某一层即可冻结它（`requires_grad = False`）：训练时它保持原值，"
        "其余的层照常学习，上方“可训练”和“冻结”的总数也随之变化。",
    ),
    "anatomy.freeze_features": ("Freeze the features (all but the last layer)", "冻结特征层（除最后一层外全部冻结）"),
    "anatomy.unfreeze_all": ("Unfreeze all", "全部解冻"),
    "anatomy.freeze_help": (
        "Freeze: requires_grad = False for this layer's weight and bias.",
        "冻结：把这一层的 weight 和 bias 设为 requires_grad = False。",
    ),
    "anatomy.totals": (
        "Trainable **{trainable}** + frozen **{frozen}** = **{total}** parameters.",
        "可训练 **{trainable}** + 冻结 **{frozen}** = 共 **{total}** 个参数。",
    ),
    "anatomy.col_name": ("name", "名称"),
    "anatomy.col_shape": ("shape", "形状"),
    "anatomy.no_params": (
        "This model has no parameters: nothing to count or freeze.",
        "这个模型没有参数：没有可统计或冻结的内容。",
    ),
    "anatomy.code_caption": (
        "The same in code: freeze the ticked layers, then give the optimiser only what still learns.",
        "同样的操作写成代码：冻结勾选的层，然后只把仍需学习的参数交给优化器。",
    ),
    "anatomy.bn_frozen": (
        "A frozen BatchNorm layer still updates its running mean and variance in `train()` mode: they are "
        "buffers, not parameters (see the train() vs eval() tab).",
        "被冻结的 BatchNorm 层在 `train()` 模式下仍会更新它的均值和方差的滑动平均：它们是缓冲区（buffer），"
        "不是参数（见“train() 与 eval()”标签页）。",
    ),
    "anatomy.transfer": (
        "Transfer learning, as the tutorials do it with VGG16: keep the layers that learnt features, freeze "
        "them, and retrain the classifier on new data. “{button}” below takes the ticked layers to the "
        "Training page, where a run can also start from a bundled model's weights. ImageNet weights are not "
        "bundled (Stride works offline): the bundled models learnt handwritten digits and shapes.",
        "迁移学习（教程里用 VGG16 演示）：保留已学到特征的层并冻结它们，再用新数据重新训练分类器。"
        "下方的“{button}”会把勾选的层带到训练页面，在那里还可以从内置模型的权重开始训练。"
        "本应用不附带 ImageNet 权重（它可离线使用）：内置模型学的是手写数字和形状。",
    ),
    "anatomy.try_transfer": (
        "Try it: LeNet with the bundled digits model's conv layers, frozen; only fc1-fc3 learn, on the 8×8 digits",
        "试一试：LeNet 使用内置数字模型的卷积层并冻结它们；只有 fc1–fc3 在 8×8 数字上学习",
    ),
    "anatomy.unknown_layer": (
        "There is no layer `{name}` to freeze in this model; layers with that kind of name: {close}.",
        "这个模型里没有可冻结的层 `{name}`；名称相近的层：{close}。",
    ),
    "anatomy.all_frozen": (
        "Every layer with parameters is frozen ({layers}): nothing would learn. Unfreeze at least the last layer.",
        "所有带参数的层都被冻结了（{layers}）：没有任何参数会被训练。请至少解冻最后一层。",
    ),
    "anatomy.nothing_loads": (
        "No tensor of the bundled model `{name}` fits this model (same name and shape): start from its own "
        "architecture ({model}), or choose fresh weights.",
        "内置模型 `{name}` 的张量没有一个与这个模型相符（名称和形状都相同）：请使用它自己的结构（{model}），"
        "或改用新初始化的权重。",
    ),
    "train.bad_init_from": (
        "`init_from` = `{value}` is not a bundled model's name (lower-case letters, digits and _); use one of "
        "the folders of models/, e.g. digits_lenet, or leave it empty for fresh weights.",
        "`init_from` = `{value}` 不是内置模型的名称（只含小写字母、数字和 _）；请使用 models/ 下的文件夹名，"
        "例如 digits_lenet，或留空以使用新初始化的权重。",
    ),
    "train.bad_frozen": (
        "`frozen` = `{value}` must be at most {max} layer names, each a Python name such as conv1.",
        "`frozen` = `{value}` 最多只能包含 {max} 个层名，每个都必须是 conv1 这样的 Python 名称。",
    ),
    # --- inside nn.Module ---
    "anatomy.output": ("What it prints (run by the app, with PyTorch):", "输出（由本应用用 PyTorch 实际运行）："),
    "anatomy.walk_title": (
        "Walking the model: named_children() and modules()",
        "遍历模型：named_children() 与 modules()",
    ),
    "anatomy.walk_intro": (
        "The tutorials initialise weights by walking `model.modules()`. It yields the model itself first, then "
        "every layer inside it; `named_children()` yields only the direct layers, with their names.",
        "教程通过遍历 `model.modules()` 来初始化权重。它先返回模型本身，再返回其中的每一层；"
        "`named_children()` 只返回直接子层，并带上它们的名称。",
    ),
    "anatomy.walk_count": (
        "`modules()` gave {count} modules: the model itself, then its {children} layers.",
        "`modules()` 共返回 {count} 个模块：先是模型本身，然后是它的 {children} 个层。",
    ),
    "anatomy.first_conv_title": ("The tutorials' check of the first convolution", "教程对第一个卷积层的检验"),
    "anatomy.first_conv_intro": (
        "Tutorial 003 finds the first Conv2d in `modules()` and prints its weight and bias shapes, then runs "
        "it on `torch.ones((16, C_in, 10, 10))`; here on this model:",
        "教程 003 在 `modules()` 中找到第一个 Conv2d，打印它的 weight 和 bias 的形状，"
        "再用 `torch.ones((16, C_in, 10, 10))` 运行它；下面是对当前模型的结果：",
    ),
    "anatomy.no_conv": ("This model has no Conv2d layer.", "这个模型没有 Conv2d 层。"),
    "anatomy.custom_title": ("A custom layer without parameters: x - x.mean()", "不含参数的自定义层：x - x.mean()"),
    "anatomy.custom_intro": (
        "Tutorial 000's first layer of its own: subclass `nn.Module` and write `forward`. It has no parameters, "
        "so `parameters()` is empty. Type your own numbers:",
        "教程 000 自定义的第一个层：继承 `nn.Module` 并编写 `forward`。它不含参数，"
        "所以 `parameters()` 为空。可以输入你自己的数字：",
    ),
    "anatomy.custom_input": ("x (numbers separated by commas)", "x（用逗号分隔的数字）"),
    "anatomy.param_title": ("nn.Parameter, a buffer, and a plain tensor", "nn.Parameter、缓冲区与普通张量"),
    "anatomy.param_intro": (
        "An `nn.Parameter` assigned to a module is registered: `parameters()` lists it and the optimiser "
        "trains it. A buffer (`register_buffer`) is saved in `state_dict()` but not trained (BatchNorm's running "
        "statistics are buffers). A plain tensor attribute is neither: it is not trained, not saved, and "
        "`.to(device)` leaves it behind.",
        "赋给模块的 `nn.Parameter` 会被自动注册：`parameters()` 会列出它，优化器会训练它。"
        "缓冲区（`register_buffer`）会保存在 `state_dict()` 中，但不参与训练（BatchNorm 的滑动平均统计量就是缓冲区）。"
        "普通的张量属性两者都不是：不训练、不保存，`.to(device)` 也不会移动它。",
    ),
    "anatomy.containers_title": ("ParameterList and ParameterDict", "ParameterList 与 ParameterDict"),
    "anatomy.containers_intro": (
        "Tutorial 000 keeps several parameters in a list or a dictionary. The containers register each one, "
        "named by its position or its key.",
        "教程 000 把多个参数放进列表或字典。这两种容器会逐一注册其中的参数，以位置序号或键作为名称。",
    ),
    # --- train() vs eval() ---
    "modes.intro": (
        "`model.train()` and `model.eval()` change how two kinds of layer compute. Change the numbers and "
        "watch PyTorch's real output in both modes.",
        "`model.train()` 和 `model.eval()` 会改变两类层的计算方式。修改下面的数字，"
        "观察 PyTorch 在两种模式下的实际输出。",
    ),
    "modes.see_step": (
        "The same two layers inside a real model, during one training step",
        "在真实模型的一个训练步骤中观察这两类层",
    ),
    "modes.dropout_title": ("Dropout", "Dropout（丢弃层）"),
    "modes.dropout_intro": (
        "In `train()` every call draws a new random mask: each value is dropped with probability p, and the "
        "kept ones are multiplied by 1 / (1 - p) so that the sum stays the same on average. In `eval()` the "
        "input passes unchanged: no mask, no scaling.",
        "在 `train()` 模式下，每次调用都会重新随机生成掩码：每个值以概率 p 被置零，保留下来的值乘以 1 / (1 - p)，"
        "使总和的期望保持不变。在 `eval()` 模式下，输入原样通过：没有掩码，也没有缩放。",
    ),
    "modes.x": ("x (rows separated by ;)", "x（行之间用 `;` 分隔）"),
    "modes.p": ("p (drop probability)", "p（丢弃概率）"),
    "modes.seed": ("Seed", "随机种子"),
    "modes.dropout_scale": (
        "Kept values are multiplied by 1 / (1 - {p}) = **{scale}**.",
        "保留下来的值乘以 1 / (1 - {p}) = **{scale}**。",
    ),
    "modes.dropout_call": (
        "Call {call}: kept {kept} of {n} values; sum {sum} (the input's: {x_sum}).",
        "第 {call} 次调用：保留 {n} 个值中的 {kept} 个；总和 {sum}（输入的总和：{x_sum}）。",
    ),
    "modes.dropout_eval": (
        "`eval()`: `torch.equal(drop(x), x)` is **{equal}**.",
        "`eval()`：`torch.equal(drop(x), x)` 的结果是 **{equal}**。",
    ),
    "modes.bn_title": ("BatchNorm", "BatchNorm（批量归一化）"),
    "modes.bn_intro": (
        "In `train()` BatchNorm normalises each feature with the batch's own mean and variance, and moves its "
        "running statistics toward them: running = (1 - momentum) × running + momentum × batch (the running "
        "variance takes the unbiased variance). In `eval()` it uses the running statistics instead, so one "
        "sample's output no longer depends on the rest of its batch.",
        "在 `train()` 模式下，BatchNorm 用这一批数据自己的均值和方差对每个特征做归一化，"
        "同时让滑动平均统计量向它们靠近：running = (1 - momentum) × running + momentum × batch"
        "（滑动方差使用无偏方差）。在 `eval()` 模式下，它改用滑动平均统计量，"
        "因此一个样本的输出不再依赖同一批中的其他样本。",
    ),
    "modes.bn_x": ("Batch x (N × C: one row per sample)", "批数据 x（N × C：每行一个样本）"),
    "modes.momentum": ("momentum", "momentum（动量）"),
    "modes.calls": ("train() calls", "train() 调用次数"),
    "modes.col_call": ("call", "调用"),
    "modes.col_batch_mean": ("batch mean", "批均值"),
    "modes.col_batch_var": ("batch var (÷N)", "批方差（÷N）"),
    "modes.col_unbiased": ("unbiased var (÷(N-1))", "无偏方差（÷(N-1)）"),
    "modes.bn_update": (
        "Feature 0, call 1: running_mean = (1 - {m}) × 0 + {m} × {mean} = **{rm}**; "
        "running_var = (1 - {m}) × 1 + {m} × {var} = **{rv}**.",
        "特征 0，第 1 次调用：running_mean = (1 - {m}) × 0 + {m} × {mean} = **{rm}**；"
        "running_var = (1 - {m}) × 1 + {m} × {var} = **{rv}**。",
    ),
    "anatomy.tensor_too_big": (
        "`{field}` has {rows} rows of {cols} numbers; use at most {max_rows} rows of {max_cols}.",
        "`{field}` 有 {rows} 行、每行 {cols} 个数；最多只能用 {max_rows} 行、每行 {max_cols} 个。",
    ),
    "anatomy.tensor_few_rows": (
        "`{field}` has {rows} row; BatchNorm in train() needs at least {min} samples to measure a variance. "
        "Add a row after a ;, e.g. 1, 2; 3, 4.",
        "`{field}` 只有 {rows} 行；BatchNorm 在 train() 模式下至少需要 {min} 个样本才能计算方差。"
        "请在 `;` 后面再加一行，例如 `1, 2; 3, 4`。",
    ),
    # --- the tutorials' slips ---
    "slips.title": ("The tutorial says …; PyTorch does …", "教程这样写……；PyTorch 实际这样做……"),
    "slips.alexnet": (
        "Tutorial 000 prints AlexNet with `Conv2d(384, 383, ...)` followed by `Conv2d(384, 256, ...)`, and "
        "`Linear(4096, 4086)` followed by `Linear(4096, 10)`, and runs only `print(net)`, which shows no error. "
        "PyTorch builds every layer; data flowing through stops at each typo in turn:",
        "教程 000 打印的 AlexNet 中，`Conv2d(384, 383, ...)` 后面接着 `Conv2d(384, 256, ...)`，"
        "`Linear(4096, 4086)` 后面接着 `Linear(4096, 10)`，而教程只运行了 `print(net)`，所以看不到错误。"
        "PyTorch 能构建出每一层，但数据流过时会依次在每处笔误停下：",
    ),
    "slips.alexnet_fixed": (
        "With 384 and 4096 written where they were meant, the conv stack ends at 256 × 5 × 5 = 6400 features "
        "and the model runs: that is the AlexNet preset.",
        "把笔误改成本来的 384 和 4096 之后，卷积部分输出 256 × 5 × 5 = 6400 个特征，模型可以正常运行：这就是预设中的 AlexNet。",
    ),
    "slips.flatten": (
        "Tutorial 001 flattens a batch with `torch.flatten(imgs)` and so needs `Linear(196608, 10)`: without "
        "`start_dim`, `torch.flatten` flattens the batch dimension too, so 64 images become one vector and the "
        "layer gives one prediction for the whole batch. `nn.Flatten()` (start_dim = 1), which this model uses, "
        "and `torch.flatten(imgs, 1)` keep the batch. With this model's input shape:",
        "教程 001 用 `torch.flatten(imgs)` 展平一批图像，因此需要 `Linear(196608, 10)`：不指定 `start_dim` 时，"
        "`torch.flatten` 连批维度也一起展平，64 张图像变成了一个向量，这一层对整批数据只给出一个预测。"
        "本模型使用的 `nn.Flatten()`（start_dim = 1）和 `torch.flatten(imgs, 1)` 都会保留批维度。"
        "按本模型的输入形状：",
    ),
    # --- the training form: transfer learning ---
    "transfer.title": ("Transfer learning", "迁移学习"),
    "transfer.init_from": ("Start from", "初始权重"),
    "transfer.fresh": ("Fresh weights (seeded)", "新初始化的权重（由随机种子决定）"),
    "transfer.bundled": ("Bundled model {name}", "内置模型 {name}"),
    "transfer.init_help": (
        "Copy the bundled model's tensors wherever this model has one with the same name and shape; the rest "
        "start fresh.",
        "凡是本模型中名称和形状都相同的张量，都从内置模型复制；其余的张量重新初始化。",
    ),
    "transfer.frozen": ("Freeze layers (requires_grad = False)", "冻结的层（requires_grad = False）"),
    "transfer.frozen_help": (
        "Frozen layers keep their values: no gradients, and the optimiser never sees them.",
        "被冻结的层保持原值：不计算梯度，优化器也不会更新它们。",
    ),
    "transfer.plan": (
        "{loaded} of {total} tensors load from {name}; fresh: {fresh}.",
        "{total} 个张量中有 {loaded} 个从 {name} 载入；重新初始化的：{fresh}。",
    ),
    "transfer.no_imagenet": (
        "No ImageNet weights are bundled (Stride works offline); the bundled models learnt digits and shapes.",
        "本应用不附带 ImageNet 权重（它可离线使用）；内置模型学的是数字和形状。",
    ),
}
