// Every stable code of API.md as a plain Chinese sentence (the code is the contract; this is for people).

const BID = {
  AUCTION_NOT_OPEN: "竞价尚未开始或已经结束，现在不能报价。",
  NOT_ELIGIBLE: "贵单位未入围本品目，或已被列入失信名单，不能参加本次竞价。",
  ABOVE_CEILING: "报价高于最高限价（采购预算或全网比价参考价），请降低报价。",
  NOT_LOWER: "报价须比您上一次的报价至少低一个最小降价幅度。",
  ALREADY_QUOTED: "密封报价每家供应商只能报价一次，您已经报过价。",
  RATE_LIMITED: "报价过于频繁，请稍候再试。",
  UNAVAILABLE: "系统暂时无法保存报价，本次报价未生效，请稍后重试。",
  BAD_MESSAGE: "报价格式有误，请检查后重新提交。",
};

const HTTP = {
  INVALID: "填写的内容有误",
  UNAUTHORIZED: "登录令牌无效或已过期，请重新登录。",
  FORBIDDEN: "您无权进行此操作。",
  NOT_FOUND: "要找的记录不存在。",
  CONFLICT: "当前状态不允许此操作。",
  NOT_MALL_ELIGIBLE: "该品目不在网上商城目录内，或预算达到公开招标限额，不能采用网上竞价。",
  NO_REFERENCE_PRICE: "该商品没有近期的全网比价参考价，暂不能发起竞价。",
  SKU_NOT_IN_CATEGORY: "所选商品不属于计划的采购品目。",
  OVER_PLAN_BUDGET: "竞价预算超过了计划预算。",
  PAST_CYCLE_DEADLINE: "竞价截止时间晚于计划的成交公告期限（备案后4个工作日）。",
  PLAN_USED: "该计划已有进行中或已成交的竞价。",
  PLAN_NOT_FILED: "计划尚未备案，不能发起竞价。",
  UNAVAILABLE: "系统暂时不可用，请稍后重试。",
  NETWORK: "网络连接失败，请检查网络后重试。",
};

export function bidMessage(code) {
  return BID[code] || `报价未被接受（${code}）。`;
}

export function errorMessage(answer) {
  const error = (answer.data && answer.data.error) || { code: `HTTP_${answer.status}`, message: "" };
  const sentence = HTTP[error.code] || `操作未成功（${error.code}）。`;
  const field = error.field ? `（字段：${error.field}）` : "";
  return error.code === "INVALID" ? `${sentence}${field}：${error.message}` : sentence;
}

export const STATUS = {
  scheduled: "未开始", open: "竞价中", closed: "已截止", awarded: "已成交", failed: "流标", cancelled: "已终止",
  pending_review: "待主管部门审核", pending_approval: "待财政部门核准", filed: "已备案", rejected: "已退回",
};

export const KIND = { bidding: "竞价公告", deal: "成交结果公告", failed: "流标公告", cancelled: "终止公告" };
