"""Text for the architecture page (pages/architecture.py) and for typed specs (core/specs.py)."""

TEXT = {
    "nav.architecture": ("Architecture", "网络结构"),
    "home.architecture": (
        "Architecture: every model of the course layer by layer, with the shape after each layer, the "
        "formula behind it, parameter counts, shape errors explained with a one-click fix, and the PyTorch code.",
        "网络结构：逐层查看课程中的每个模型，包括每层之后的形状及其计算公式、参数量、"
        "带一键修正的形状错误说明，以及对应的 PyTorch 代码。",
    ),
    "arch.title": ("Model architecture", "模型结构"),
    "arch.intro": (
        "Pick a model of the course or start empty, then change its layers: the table shows what every "
        "layer does to the shape of the data, how many parameters it has and how much it computes. When a "
        "layer does not fit what the one before it produces, the page says which one and how to mend it, "
        "with the fix one click away when a single argument mends it.",
        "选择课程中的一个模型或从空模型开始，然后修改它的层：下表显示每一层如何改变数据的形状、"
        "有多少参数、计算量多大。当某一层与上一层的输出对不上时，页面会指出是哪一层以及如何修正；"
        "只需改一个参数就能修正时，一键即可应用。",
    ),
    # --- controls ---
    "arch.preset": ("Model", "模型"),
    "arch.empty": ("Empty: build your own", "空模型：自己搭建"),
    "arch.empty_help": (
        "No layers yet: add them with the form on the right or the + row of the layer table.",
        "还没有任何层：用右侧的表单或层表格中的 + 行来添加。",
    ),
    "arch.input": ("Input shape (one sample)", "输入形状（单个样本）"),
    "arch.input_help": (
        "C×H×W for images, e.g. 1x32x32 or 3x224x224; one number for vectors, e.g. 784. No batch dimension.",
        "图像写 C×H×W，例如 1x32x32 或 3x224x224；向量写一个数，例如 784。不含批维度。",
    ),
    "arch.init": ("Weight initialisation", "权重初始化"),
    "arch.init_help": (
        "How the weights are set before training; recorded in the spec and in the generated code.",
        "训练前如何设置权重；会记录在模型描述和生成的代码中。",
    ),
    "arch.init_default": ("PyTorch default", "PyTorch 默认"),
    "arch.init_xavier": ("Xavier (Glorot)", "Xavier(Glorot)"),
    "arch.init_kaiming": ("Kaiming (He)", "Kaiming(He)"),
    "arch.init_normal": ("Normal(0, 0.01)", "正态分布 Normal(0, 0.01)"),
    "arch.init_default_about": (
        "PyTorch's default: each layer draws its weights uniformly from ±1/√fan_in (Kaiming-uniform with a = √5).",
        "PyTorch 默认方式：每层权重在 ±1/√fan_in 内均匀采样（a = √5 的 Kaiming 均匀初始化）。",
    ),
    "arch.init_xavier_about": (
        "Xavier: conv weights from a normal distribution with std √(2 / (fan_in + fan_out)), biases 0; "
        "Linear weights Normal(0, 0.01); BatchNorm weight 1 and bias 0.",
        "Xavier：卷积权重取自标准差为 √(2 / (fan_in + fan_out)) 的正态分布，偏置为 0；"
        "全连接权重取 Normal(0, 0.01)；BatchNorm 的权重为 1、偏置为 0。",
    ),
    "arch.init_kaiming_about": (
        "Kaiming: conv weights from a normal distribution with std √(2 / fan_out), suited to ReLU, biases 0; "
        "Linear weights Normal(0, 0.01); BatchNorm weight 1 and bias 0.",
        "Kaiming：卷积权重取自标准差为 √(2 / fan_out) 的正态分布，适合 ReLU，偏置为 0；"
        "全连接权重取 Normal(0, 0.01)；BatchNorm 的权重为 1、偏置为 0。",
    ),
    "arch.init_normal_about": (
        "Normal: every conv and Linear weight from Normal(0, 0.01), biases 0; BatchNorm weight 1 and bias 0.",
        "正态分布：所有卷积和全连接权重取自 Normal(0, 0.01)，偏置为 0；BatchNorm 的权重为 1、偏置为 0。",
    ),
    # --- editing ---
    "arch.layers": ("Layers", "层"),
    "arch.col_type": ("type", "类型"),
    "arch.col_args": ("arguments", "参数"),
    "arch.col_args_help": (
        "As in PyTorch code: in_channels=1, out_channels=6, kernel_size=5; or a JSON object.",
        "与 PyTorch 代码写法相同：in_channels=1, out_channels=6, kernel_size=5；也可以写 JSON 对象。",
    ),
    "arch.col_name": ("name", "名称"),
    "arch.col_name_help": (
        "Attribute name in the model; leave empty for conv1, pool1, fc1, ... by position.",
        "模型中的属性名；留空则按位置自动命名为 conv1、pool1、fc1 等。",
    ),
    "arch.editor_help": (
        "Click a cell to edit it; the + row at the bottom adds a layer; tick rows on the left and press "
        "Delete to remove them.",
        "点击单元格即可编辑；底部的 + 行用于添加层；勾选左侧的行并按 Delete 键即可删除。",
    ),
    "arch.rows_cut": (
        "The table takes {count} new rows at a time; the rows after them were not added. Add more with "
        "the form below or load a whole model from a JSON file.",
        "表格一次最多接收 {count} 个新行，其后的行没有添加。请用下方表单继续添加，或从 JSON 文件载入整个模型。",
    ),
    "arch.showing_last_good": (
        "The tables below show the last model that could be read.",
        "下方表格显示的是最后一个能正确读取的模型。",
    ),
    "arch.selected": ("Selected layer", "选中的层"),
    "arch.up": ("Move the selected layer up", "把选中的层上移"),
    "arch.down": ("Move the selected layer down", "把选中的层下移"),
    "arch.remove": ("Remove the selected layer", "删除选中的层"),
    "arch.add_title": ("Add a layer", "添加一层"),
    "arch.add_type": ("Layer type", "层类型"),
    "arch.add_no_args": ("This layer has no arguments to set.", "这一层没有需要设置的参数。"),
    "arch.add_at": ("Where", "位置"),
    "arch.add_at_end": ("At the end", "末尾"),
    "arch.add_before": ("Before layer {position} ({name})", "第 {position} 层（{name}）之前"),
    "arch.add": ("Add layer", "添加层"),
    # --- results ---
    "arch.alexnet_typos": (
        "This is AlexNet exactly as the tutorial printed it, and the tutorial had two typos: "
        "Conv2d(384, 383) where 384 was meant, and Linear(4096, 4086) where 4096 was meant. PyTorch only "
        "notices when data flows through, at the first layer that receives the wrong size. Each click on "
        "“Apply the fix” makes that layer accept what it receives (conv5 takes 383 channels, then fc3 takes "
        "4086 features); the AlexNet preset has the typos corrected instead.",
        "这是完全照教程原样印出的 AlexNet，而教程里有两处笔误：Conv2d(384, 383) 本应是 384，"
        "Linear(4096, 4086) 本应是 4096。PyTorch 只有在数据流过时，才会在第一个收到错误尺寸的层报错。"
        "每点击一次“应用修正”，出错的层就会改为接受它实际收到的尺寸（先是 conv5 接受 383 个通道，"
        "再是 fc3 接受 4086 个特征）；而预设中的 AlexNet 则是直接改正了笔误。",
    ),
    "arch.apply_fix": ("Apply the fix", "应用修正"),
    "arch.params": ("Parameters", "参数量"),
    "arch.params_help": (
        "Every number the optimiser can change, summed over all layers: sum(p.numel() for p in model.parameters()).",
        "所有层中可由优化器更新的数的总和：sum(p.numel() for p in model.parameters())。",
    ),
    "arch.trainable": ("Trainable", "可训练"),
    "arch.frozen": ("Frozen", "冻结"),
    "arch.frozen_help": (
        "Parameters with requires_grad=False: kept as they are during training.",
        "requires_grad=False 的参数：训练时保持不变。",
    ),
    "arch.macs": ("MACs per sample", "每个样本的乘加次数"),
    "arch.macs_help": (
        "Multiply-accumulates for one forward pass of one sample, counted by torch.utils.flop_counter "
        "(FLOPs ≈ 2 × MACs).",
        "单个样本前向传播一次的乘加运算次数，由 torch.utils.flop_counter 统计（FLOPs ≈ 2 × MACs）。",
    ),
    "arch.param_memory": ("Parameter memory", "参数内存"),
    "arch.param_memory_help": ("The parameters as float32: 4 bytes each.", "以 float32 存储参数：每个 4 字节。"),
    "arch.activation_memory": ("Activation memory", "激活内存"),
    "arch.activation_memory_help": (
        "Every layer's output for one sample, as float32: what training keeps for the backward pass.",
        "单个样本在每一层的输出（float32）之和：训练时为反向传播保留的数据。",
    ),
    "arch.output_shape": ("Output shape", "输出形状"),
    "arch.output_shape_help": ("The model's output for one sample.", "单个样本经过模型后的输出形状。"),
    "arch.table": ("Shapes, layer by layer", "逐层形状"),
    "arch.col_index": ("index", "序号"),
    "arch.col_layer": ("layer", "层"),
    "arch.col_calculation": ("calculation", "计算"),
    "arch.col_output": ("output shape", "输出形状"),
    "arch.col_params": ("params", "参数量"),
    "arch.col_macs": ("MACs", "乘加次数"),
    "arch.col_rf": ("receptive field", "感受野"),
    "arch.col_jump": ("jump", "累积步长"),
    "arch.table_caption": (
        "Input {input} (batch of 1); {layers} layers. Each output shape is (N, C, H, W) or (N, features). "
        "Receptive field: how many input pixels (H×W) one output cell sees; jump: how many input pixels "
        "apart two neighbouring output cells are (the product of the strides so far).",
        "输入 {input}（批大小为 1）；共 {layers} 层。每个输出形状为 (N, C, H, W) 或（N，特征数）。"
        "感受野：一个输出单元能“看到”的输入像素范围（H×W）；累积步长：相邻两个输出单元在输入上相距的像素数"
        "（即到该层为止所有步长的乘积）。",
    ),
    "arch.input_block": ("input", "输入"),
    "arch.diagram_y": ("channels / features (log)", "通道数 / 特征数（对数）"),
    "arch.diagram_caption": (
        "One block per layer: its height is the number of channels (or features), its width grows with "
        "the image height. Blue: convolution, orange: pooling, purple: Flatten, green: Linear, grey: same shape.",
        "每层一个方块：高度表示通道数（或特征数），宽度随图像高度增大。蓝色：卷积，橙色：池化，"
        "紫色：Flatten，绿色：全连接，灰色：形状不变。",
    ),
    "arch.print_tab": ("print(model)", "print(model)"),
    "arch.code_tab": ("PyTorch code", "PyTorch 代码"),
    "arch.weights_tab": ("Weights after initialisation", "初始化后的权重"),
    "arch.code_caption": (
        "A runnable module: save it as model.py and run `python model.py` to print the model and its output shape.",
        "可直接运行的模块：保存为 model.py 后运行 `python model.py`，即可打印模型及其输出形状。",
    ),
    "arch.no_weights": ("This model has no weights.", "这个模型没有权重。"),
    "arch.weights_too_big": (
        "This model's parameters need {size}; histograms are drawn only below {cap}, so that the page stays "
        "quick. The first layers of a smaller model show the same initialisation.",
        "该模型的参数需要 {size} 内存；只有低于 {cap} 时才绘制直方图，以保证页面响应迅速。"
        "较小模型的前几层可以展示同样的初始化效果。",
    ),
    "arch.files": ("Save, load, train", "保存、加载、训练"),
    "arch.download_spec": ("Download the spec (JSON)", "下载模型描述（JSON）"),
    "arch.download_code": ("Download the code (model.py)", "下载代码（model.py）"),
    "arch.upload": ("Load a spec (JSON)", "加载模型描述（JSON）"),
    "arch.upload_help": (
        "A file saved with “Download the spec”. It is checked before anything is built: size, known "
        "layer types and arguments, and the memory its parameters would need.",
        "用“下载模型描述”保存的文件。在创建任何东西之前都会先检查：文件大小、层类型和参数是否已知，以及参数所需的内存。",
    ),
    "arch.train_fix_first": (
        "A layer does not fit yet: fix the model (above) before training it.",
        "还有一层对不上：请先修正上面的模型，再训练它。",
    ),
    "arch.table_stops": (
        "The table stops at layer {position}: its input does not fit (see the message above).",
        "表格在第 {position} 层停止：该层的输入不匹配（见上方提示）。",
    ),
    "arch.weights_first": (
        "Histograms of the first {shown} of the model's {total} layers with weights.",
        "显示了模型 {total} 个带权重的层中前 {shown} 个的直方图。",
    ),
    "arch.train": ("Train this model", "训练此模型"),
    # --- core/specs.py: what a student typed ---
    "specs.bad_input_shape": (
        "The input shape `{value}` is not usable: write C×H×W for images, e.g. 1x32x32, or one number "
        "for vectors, e.g. 784; every size at least 1, at most {max} numbers per sample.",
        "输入形状 `{value}` 不可用：图像请写 C×H×W，例如 1x32x32；向量请写一个数，例如 784；"
        "每一维至少为 1，每个样本最多 {max} 个数。",
    ),
    "specs.args_too_long": (
        "Row {position}: the arguments are {size} characters long; at most {max}.",
        "第 {position} 行：参数有 {size} 个字符，最多 {max} 个。",
    ),
    "specs.args_syntax": (
        "Row {position}: cannot read the arguments `{text}` ({error}). Write name=value pairs separated by "
        "commas, e.g. `in_channels=1, out_channels=6, kernel_size=5`, or a JSON object.",
        "第 {position} 行：无法读取参数 `{text}`（{error}）。请写成用逗号分隔的 名称=值，"
        "例如 `in_channels=1, out_channels=6, kernel_size=5`，或写成 JSON 对象。",
    ),
    "specs.args_positional": (
        "Row {position}: `{text}` has a value without a name; write every argument as name=value, "
        "e.g. `in_features=400, out_features=120`.",
        "第 {position} 行：`{text}` 中有未写名称的值；每个参数都要写成 名称=值，例如 `in_features=400, out_features=120`。",
    ),
    "specs.args_value": (
        "Row {position}: `{arg}={value}` is not a number, True/False, None, a tuple like (3, 3) or a "
        'quoted text like "zeros".',
        '第 {position} 行：`{arg}={value}` 不是数字、True/False、None、(3, 3) 这样的元组，也不是 "zeros" 这样带引号的文本。',
    ),
    "specs.row_needs_type": (
        "Row {position} has arguments but no layer type; choose one in the type column, or delete the row.",
        "第 {position} 行有参数但没有层类型；请在类型列中选择一个，或删除这一行。",
    ),
    "specs.unknown_type": (
        "Unknown layer type {value}; use one of {types}.",
        "未知的层类型 {value}；请使用以下之一：{types}。",
    ),
}
