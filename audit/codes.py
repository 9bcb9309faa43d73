"""Audit action codes and their Chinese display text (STYLE 7). Add a code here before using it."""

CODES = {
    "org.school.created": "新建学校",
    "org.school.changed": "修改学校",
    "org.class.created": "新建班级",
    "org.class.changed": "修改班级",
    "org.teacher.created": "新建教职工",
    "org.teacher.changed": "修改教职工",
    "org.pupil.created": "新建学生",
    "org.pupil.changed": "修改学生",
    "org.pupil.id_number.read": "查看学生身份证号",
    "org.teacher.id_number.read": "查看教职工身份证号",
    "org.roster.imported": "导入学生名册",
    "org.roster.export": "导出学生名册",
    "calendar.term.saved": "保存学期",
    "calendar.vacation.saved": "保存假期",
    "calendar.override.saved": "保存日期调整",
    "calendar.override.deleted": "删除日期调整",
    "auth.token.issued": "签发接口令牌",
    "policy.rule.set": "设置规则参数",
    "homework.filed": "布置作业",
    "homework.changed": "修改作业",
    "homework.withdrawn": "撤回作业",
    "homework.day.published": "公示班级当日作业",
    "homework.day.unpublished": "撤回班级当日作业公示",
    "homework.day.exception": "登记作业超限例外",
    "homework.week.approved": "周作业审核备案",
    "homework.week.returned": "周作业退回修改",
    "homework.week.reopened": "撤销周作业备案",
    "homework.time.reported": "家长反馈作业用时",
    "homework.sample.drawn": "抽取作业负担调查样本",
    "org.account.opened": "开通登录账号",
    "org.account.password_reset": "重置密码",
    "org.account.activated": "启用账号",
    "org.account.deactivated": "停用账号",
    "org.role.granted": "分配角色",
    "org.role.revoked": "撤销角色",
}


def label(code):
    return CODES.get(code, code)
