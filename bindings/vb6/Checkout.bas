Attribute VB_Name = "Checkout"
' A whole checkout from VB6 or VBA with VoucherLink.bas: balance, redeem the amount, cancel.
' Start the simulator (`voucherlink sim`) and run, in the Immediate window:
'     Checkout.Run "http://127.0.0.1:PORT/eguma"
' (the e-guma URL the simulator prints). Each step prints what the cashier would see.
Option Explicit

Public Sub Run(ByVal egumaUrl As String)
#If VBA7 Then
    Dim till As LongPtr
#Else
    Dim till As Long
#End If
    Dim doc As String, code As String, taken As String, transactionId As String
    Dim status As Long

    status = VlClientNew("{""provider"":""eguma"",""api_key"":""demo-outlet-1"",""base_url"":""" & egumaUrl & """,""pos_id"":""KASSE-VB""}", till, doc)
    If status <> VL_OK Then
        Debug.Print "vl_client_new: "; VlStatusName(status); " - "; VlJsonText(doc, "message")
        Exit Sub
    End If
    Debug.Print "voucherlink "; VlVersion()

    ' The payment screen opens: the connection is made now, not while the customer waits.
    VlRun till, "prepare", "{}", doc

    ' The cashier scans the voucher; the sale still needs CHF 80.00.
    If VlRun(till, "balance", "{""code"":""L4FU-5LQT-KJR3""}", doc) <> VL_OK Then GoTo Failed
    code = VlJsonText(doc, "code")
    Debug.Print "Voucher "; code; ": CHF "; VlJsonText(doc, "balance")

    If VlRun(till, "redeem", "{""code"":""" & code & """,""remaining_to_pay"":""80.00"",""reference"":""VB-1001""}", doc) <> VL_OK Then GoTo Failed
    taken = VlJsonText(doc, "amount")
    transactionId = VlJsonText(doc, "transaction_id")
    Debug.Print "Voucher pays CHF "; taken; ", balance CHF "; VlJsonText(doc, "balance")

    ' The sale is voided: the voucher payment goes back.
    If VlRun(till, "cancel_redemption", "{""code"":""" & code & """,""transaction_id"":""" & transactionId & """,""amount"":""" & taken & """}", doc) <> VL_OK Then GoTo Failed
    Debug.Print "Sale voided: balance CHF "; VlJsonText(doc, "balance")
    VlClientFree till
    Exit Sub

Failed:
    ' error.message is for the cashier (the provider's own words); VL_IN_DOUBT: keep error.journal_id
    ' with the sale and never repeat the call: VlRun(till, "recover", "{}", doc) reports the outcome.
    Debug.Print VlJsonText(doc, "status"); ": "; VlJsonText(doc, "message")
    VlClientFree till
End Sub
