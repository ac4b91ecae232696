// The billing desk's refund texts in both languages; admin/texts.ts merges them.
export const en = {
  "refund.action": "Refund",
  "refund.title": "Refund a payment",
  "refund.amountHint": "Up to {max}: what is not refunded yet.",
  "refund.amountInvalid": "Enter an amount more than zero and at most {max}.",
  "refund.reasonHint": "Why, for the patient's history and the audit log.",
  "refund.confirm": "Refund {amount} of this {paid} payment? A card payment goes back to the card.",
  "refund.done": "Refunded {amount}. The invoice now has {balance} open.",
  "refund.pending": "{amount} is being refunded; the provider has not confirmed it yet.",
  "refund.unknownOutcome":
    "The refund is not confirmed yet. Trying again checks it and never refunds twice.",
  "reason.REFUND_EXCEEDS_PAYMENT": "That is more than what is left to refund of this payment.",
  "reason.NOT_REFUNDABLE": "Only a received payment can be refunded.",
  "reason.REFUND_FAILED": "The payment provider refused the refund. Nothing was refunded.",
  "reason.REFUND_PENDING": "The provider has not confirmed the refund yet.",
} as const;

export const vi: Record<keyof typeof en, string> = {
  "refund.action": "Hoàn tiền",
  "refund.title": "Hoàn tiền một khoản thanh toán",
  "refund.amountHint": "Tối đa {max}: phần chưa hoàn.",
  "refund.amountInvalid": "Nhập số tiền lớn hơn 0 và không quá {max}.",
  "refund.reasonHint": "Lý do, ghi vào lịch sử của bệnh nhân và nhật ký kiểm tra.",
  "refund.confirm":
    "Hoàn {amount} của khoản thanh toán {paid}? Khoản trả bằng thẻ được hoàn về thẻ.",
  "refund.done": "Đã hoàn {amount}. Hóa đơn còn nợ {balance}.",
  "refund.pending": "Đang hoàn {amount}; nhà cung cấp chưa xác nhận.",
  "refund.unknownOutcome":
    "Việc hoàn tiền chưa được xác nhận. Thử lại sẽ kiểm tra và không bao giờ hoàn hai lần.",
  "reason.REFUND_EXCEEDS_PAYMENT": "Số tiền lớn hơn phần còn có thể hoàn của khoản thanh toán.",
  "reason.NOT_REFUNDABLE": "Chỉ hoàn được khoản thanh toán đã nhận.",
  "reason.REFUND_FAILED": "Nhà cung cấp thanh toán từ chối hoàn tiền. Chưa có khoản nào được hoàn.",
  "reason.REFUND_PENDING": "Nhà cung cấp chưa xác nhận việc hoàn tiền.",
};
