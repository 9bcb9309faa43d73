"""What each role finds in the navigation and on its home page. Views still check access."""

from django.urls import reverse

from org.roles import Role

B, S, INS, SA, GL, HT, ST, G, IS, BANK = (
    Role.BUREAU_ADMIN, Role.SUPERVISOR, Role.INSPECTOR, Role.SCHOOL_ADMIN, Role.GRADE_LEADER,
    Role.HEAD_TEACHER, Role.SUBJECT_TEACHER, Role.GUARDIAN, Role.INSTITUTION_STAFF,
    Role.CUSTODIAN_BANK)
HOT, ETH, PSY = Role.HOTLINE, Role.ETHICS_OFFICER, Role.PSYCHOLOGIST

# (label, url name, roles that see it, one-line description for the home page)
ENTRIES = [
    ("学校", "org:schools", {B, INS, SA}, "学校、班级、教职工和学生名册的维护"),
    ("我的班级", "org:my-classes", {GL, HT, ST}, "任教或负责班级的学生名单"),
    ("名册导入", "org:roster-import", {B, SA}, "从 Excel 批量导入学生及家长（全部成功或全部不导入）"),
    ("我的孩子", "org:my-children", {G}, "查看孩子的班级和学校信息"),
    ("作业", "homework:index", {SA, GL, HT, ST}, "布置作业、班级作业统筹与公示、每周审核备案"),
    ("孩子的作业", "homework:index", {G}, "查看孩子当天已公示的作业，反馈实际用时"),
    ("考试与测试", "exams:index", {SA, GL, HT, ST, G}, "考试备案与检查、等级评价；家长查看孩子的等级"),
    ("资源库", "resources:index", {SA, GL, HT, ST, B}, "优质作业资源库：检索、评分、评选优秀设计"),
    ("课后服务", "afterschool:index", {B, INS, SA, GL, HT, ST, G},
     "“5+2”课后服务：方案与时间表、菜单课程、报名与抽签、点名接送、课时补助、满意度"),
    ("监测看板", "dashboards:mine", {B, S, INS, SA, GL, HT},
     "各领域“双减”指标一页看全：区—校—班逐级查看、每周趋势、图表与 Excel 导出"),
    ("学校评价", "dashboards:evaluation", {B, INS},
     "学校“双减”评价表：各校指标得分、本区权重、加权排名（QM-2）"),
    ("月度快报", "dashboards:bulletins", {B, S, INS}, "月月出快报：每月自动生成的 PDF 快报和数据表，可下载"),
    ("作业监测", "monitoring:homework", {B, INS, SA, GL}, "超限情况、平均时长、分层构成、漏报与估计偏差"),
    ("培训机构", "institutions:index", {B, S, INS, IS, BANK},
     "校外培训机构名录、审批、红黄牌与名单、风险视图、政府指导价"),
    ("预收费监管", "funds:index", {B, S, INS, BANK},
     "机构预收费监管账户、托管资金总额、红黄预警、银行每日对账、冻结退费"),
    ("培训缴费", "funds:mine", {G}, "孩子的培训合同：查找课程签约、确认课时（一课一消）、申请退费"),
    ("预收费资金", "funds:institution", {IS}, "本机构托管资金、课消登记与拨付、合同导出"),
    ("投诉举报", "complaints:index", {B, HOT, S, ETH, INS, SA},
     "投诉举报的登记、分办、受理、答复、办结；超期升级；统计"),
    ("投诉举报", "public-complaints:form", {G}, "匿名或实名投诉，凭跟踪码查询办理进度和答复"),
    ("双随机抽查", "inspections:index", {B, S, INS},
     "双随机一公开：执法检查人员名录与回避、随机抽取与复核、录入结果、按期公示"),
    ("学校督导", "schoolinspection:index", {B, INS, SA}, "责任督学公示、每周自查、入校督导与整改任务"),
    ("五项管理", "wellbeing:index", {B, INS, SA, G},
     "作息、体育、手机、读物规定检查；家长问卷；学期课业负担监测与公示"),
    ("全员导师制", "mentoring:index", {B, SA, HT, ST, G, PSY},
     "导师分配、“三个一”任务（家访、谈心、书面反馈）、需要关注的学生、成长寄语、各校完成情况"),
    ("师德师风", "ethics:index", {ETH, SA}, "师德负面清单；师德师风案件的立案、调查和处理（受限，查看留痕）"),
    ("校历", "calendar:index", {B, S, INS, SA, GL, HT, ST}, "学期、寒暑假、法定节假日和调休"),
    ("规则参数", "policy:index", {B, S, INS, SA}, "作业时长等政策参数：国家标准与本区从严设置"),
    ("账号与角色", "org:accounts", {B, SA}, "开通账号、分配角色、重置密码、停用账号"),
    ("审计日志", "audit:index", {B}, "谁在何时做了什么，包括查看学生敏感信息"),
    ("接口文档", "api-1:openapi-view", {B, S, INS, SA, IS, BANK}, "JSON 接口 /api/v1/ 的在线文档"),
    ("帮助", "help", None, "平台使用说明"),
]


def entries_for(user):
    roles = user.scope.roles if user.is_authenticated else set()
    return [
        {"label": label, "url": reverse(name), "description": text}
        for label, name, allowed, text in ENTRIES
        if allowed is None or roles & allowed
    ]


def cards_for(user):
    return [e for e in entries_for(user) if e["label"] != "帮助"]
