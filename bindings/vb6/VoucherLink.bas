Attribute VB_Name = "VoucherLink"
' voucherlink for Visual Basic 6 and VBA (Access, Excel): vouchers, gift cards and coupons from
' e-guma, Treazure, GonnaOrder and Coupontools, through voucherlink.dll.
'
' Add this module to the project (VB6: Project > Add Module; VBA: File > Import File) and put
' voucherlink.dll beside the program (VB6: the .exe; Access/Excel: a folder on the PATH, or call
' VlLoad with its full path first). A 32-bit program (VB6, 32-bit Office) needs the x86 DLL; 64-bit
' Office needs the x64 DLL: the #If VBA7 branch below declares the same functions for it with
' PtrSafe and LongPtr.
'
' Strings: the library speaks UTF-8, VB speaks UTF-16. VlRun and VlClientNew convert both ways and
' free what the library hands out (vl_string_free): use them, not the Declares, unless you know
' why. Never pass a VB String ByVal to the DLL directly: VB would convert it to the ANSI code page,
' and the library refuses what is not UTF-8 (VL_INVALID_ARGUMENT).
'
'   Dim client As LongPtr   ' in VB6 and VBA 6: As Long (they are 32-bit and know no LongPtr)
'   Dim doc As String
'   If VlClientNew("{""provider"":""eguma"",""api_key"":""..."",""pos_id"":""KASSE-1""}", client, doc) = VL_OK Then
'       If VlRun(client, "balance", "{""code"":""L4FU-5LQT-KJR3""}", doc) = VL_OK Then
'           Debug.Print "Balance: "; VlJsonText(doc, "balance")
'       End If
'       VlClientFree client
'   End If
'
' The contract: docs/api.md; this module: docs/bindings.md ("VB6 and VBA").
Option Explicit

' Status codes (VlStatus).
Public Const VL_OK As Long = 0
Public Const VL_INVALID_ARGUMENT As Long = 1
Public Const VL_CONFIG As Long = 2
Public Const VL_UNSUPPORTED As Long = 3
Public Const VL_NOT_FOUND As Long = 4
Public Const VL_REJECTED As Long = 5
Public Const VL_AUTH As Long = 6
Public Const VL_NETWORK As Long = 7
Public Const VL_IN_DOUBT As Long = 8
Public Const VL_PROVIDER As Long = 9
Public Const VL_INTERNAL As Long = 10

' Log levels (VlLogLevel).
Public Const VL_LOG_TRACE As Long = 0
Public Const VL_LOG_DEBUG As Long = 1
Public Const VL_LOG_INFO As Long = 2
Public Const VL_LOG_WARN As Long = 3
Public Const VL_LOG_ERROR As Long = 4

Private Const CP_UTF8 As Long = 65001

#If VBA7 Then
' VBA 7 (Office 2010 and later), 32-bit or 64-bit: pointers are LongPtr.
Public Declare PtrSafe Function vl_version Lib "voucherlink.dll" () As LongPtr
Public Declare PtrSafe Function vl_abi_version Lib "voucherlink.dll" () As Long
Public Declare PtrSafe Function vl_status_name Lib "voucherlink.dll" (ByVal status As Long) As LongPtr
Public Declare PtrSafe Function vl_client_new Lib "voucherlink.dll" (ByVal config_json As LongPtr, ByRef out_client As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Sub vl_client_free Lib "voucherlink.dll" (ByVal client As LongPtr)
Public Declare PtrSafe Sub vl_string_free Lib "voucherlink.dll" (ByVal s As LongPtr)
Public Declare PtrSafe Function vl_set_logger Lib "voucherlink.dll" (ByVal callback As LongPtr, ByVal user_data As LongPtr, ByVal min_level As Long) As Long
Public Declare PtrSafe Function vl_prepare Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_capabilities Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_balance Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_redeem Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_cancel_redemption Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_activation_status Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_activate Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_cancel_activation Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_deactivation_status Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_deactivate Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_issue Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_history Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_member_vouchers Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_validate Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_submit_order Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_lock Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_unlock Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_pending Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Public Declare PtrSafe Function vl_recover Lib "voucherlink.dll" (ByVal client As LongPtr, ByVal request_json As LongPtr, ByRef out_json As LongPtr) As Long
Private Declare PtrSafe Function LoadLibraryW Lib "kernel32" (ByVal path As LongPtr) As LongPtr
Private Declare PtrSafe Function lstrlenA Lib "kernel32" (ByVal text As LongPtr) As Long
Private Declare PtrSafe Sub CopyMemory Lib "kernel32" Alias "RtlMoveMemory" (ByRef destination As Any, ByVal source As LongPtr, ByVal length As LongPtr)
Private Declare PtrSafe Function MultiByteToWideChar Lib "kernel32" (ByVal codePage As Long, ByVal flags As Long, ByVal multiByte As LongPtr, ByVal multiByteLength As Long, ByVal wide As LongPtr, ByVal wideLength As Long) As Long
Private Declare PtrSafe Function WideCharToMultiByte Lib "kernel32" (ByVal codePage As Long, ByVal flags As Long, ByVal wide As LongPtr, ByVal wideLength As Long, ByVal multiByte As LongPtr, ByVal multiByteLength As Long, ByVal defaultChar As LongPtr, ByVal usedDefault As LongPtr) As Long
#Else
' VB6 and VBA 6 (Office 2007 and older), always 32-bit: pointers are Long.
Public Declare Function vl_version Lib "voucherlink.dll" () As Long
Public Declare Function vl_abi_version Lib "voucherlink.dll" () As Long
Public Declare Function vl_status_name Lib "voucherlink.dll" (ByVal status As Long) As Long
Public Declare Function vl_client_new Lib "voucherlink.dll" (ByVal config_json As Long, ByRef out_client As Long, ByRef out_json As Long) As Long
Public Declare Sub vl_client_free Lib "voucherlink.dll" (ByVal client As Long)
Public Declare Sub vl_string_free Lib "voucherlink.dll" (ByVal s As Long)
Public Declare Function vl_set_logger Lib "voucherlink.dll" (ByVal callback As Long, ByVal user_data As Long, ByVal min_level As Long) As Long
Public Declare Function vl_prepare Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_capabilities Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_balance Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_redeem Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_cancel_redemption Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_activation_status Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_activate Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_cancel_activation Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_deactivation_status Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_deactivate Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_issue Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_history Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_member_vouchers Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_validate Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_submit_order Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_lock Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_unlock Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_pending Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Public Declare Function vl_recover Lib "voucherlink.dll" (ByVal client As Long, ByVal request_json As Long, ByRef out_json As Long) As Long
Private Declare Function LoadLibraryW Lib "kernel32" (ByVal path As Long) As Long
Private Declare Function lstrlenA Lib "kernel32" (ByVal text As Long) As Long
Private Declare Sub CopyMemory Lib "kernel32" Alias "RtlMoveMemory" (ByRef destination As Any, ByVal source As Long, ByVal length As Long)
Private Declare Function MultiByteToWideChar Lib "kernel32" (ByVal codePage As Long, ByVal flags As Long, ByVal multiByte As Long, ByVal multiByteLength As Long, ByVal wide As Long, ByVal wideLength As Long) As Long
Private Declare Function WideCharToMultiByte Lib "kernel32" (ByVal codePage As Long, ByVal flags As Long, ByVal wide As Long, ByVal wideLength As Long, ByVal multiByte As Long, ByVal multiByteLength As Long, ByVal defaultChar As Long, ByVal usedDefault As Long) As Long
#End If

' Loads voucherlink.dll from a full path before the first call (Access and Excel look for it on the
' PATH and in the current folder only). True when it loaded.
Public Function VlLoad(ByVal dllPath As String) As Boolean
    VlLoad = (LoadLibraryW(StrPtr(dllPath)) <> 0)
End Function

' The library's version, e.g. "0.1.0".
Public Function VlVersion() As String
    VlVersion = VlFromUtf8(vl_version())
End Function

' The name of a status: "ok", "rejected", "in_doubt", ...
Public Function VlStatusName(ByVal status As Long) As String
    VlStatusName = VlFromUtf8(vl_status_name(status))
End Function

' A VB string as the library reads it: UTF-8, NUL-terminated. Pass VarPtr(bytes(0)).
Public Function VlUtf8(ByVal text As String) As Byte()
    Dim bytes() As Byte
    Dim length As Long
    If Len(text) = 0 Then
        ReDim bytes(0)
        VlUtf8 = bytes
        Exit Function
    End If
    length = WideCharToMultiByte(CP_UTF8, 0, StrPtr(text), Len(text), 0, 0, 0, 0)
    ReDim bytes(length)   ' one more: the NUL terminator
    WideCharToMultiByte CP_UTF8, 0, StrPtr(text), Len(text), VarPtr(bytes(0)), length, 0, 0
    VlUtf8 = bytes
End Function

' Copies a UTF-8 string the library handed out into a VB string. Does not free it.
#If VBA7 Then
Public Function VlFromUtf8(ByVal text As LongPtr) As String
#Else
Public Function VlFromUtf8(ByVal text As Long) As String
#End If
    Dim length As Long, chars As Long
    Dim bytes() As Byte
    If text = 0 Then Exit Function
    length = lstrlenA(text)
    If length = 0 Then Exit Function
    ReDim bytes(length - 1)
    CopyMemory bytes(0), text, length
    chars = MultiByteToWideChar(CP_UTF8, 0, VarPtr(bytes(0)), length, 0, 0)
    VlFromUtf8 = String$(chars, vbNullChar)
    MultiByteToWideChar CP_UTF8, 0, VarPtr(bytes(0)), length, StrPtr(VlFromUtf8), chars
End Function

' Copies the document the library handed out into a VB string, then frees it (vl_string_free).
#If VBA7 Then
Private Function TakeDocument(ByVal text As LongPtr) As String
#Else
Private Function TakeDocument(ByVal text As Long) As String
#End If
    TakeDocument = VlFromUtf8(text)
    If text <> 0 Then vl_string_free text
End Function

' Creates a client (vl_client_new). document receives the result document, always; the status is
' returned (VL_OK: client is the new client; free it with VlClientFree).
#If VBA7 Then
Public Function VlClientNew(ByVal configJson As String, ByRef client As LongPtr, ByRef document As String) As Long
    Dim out As LongPtr
#Else
Public Function VlClientNew(ByVal configJson As String, ByRef client As Long, ByRef document As String) As Long
    Dim out As Long
#End If
    Dim config() As Byte
    config = VlUtf8(configJson)
    VlClientNew = vl_client_new(VarPtr(config(0)), client, out)
    document = TakeDocument(out)
End Function

' Frees a client.
#If VBA7 Then
Public Sub VlClientFree(ByRef client As LongPtr)
#Else
Public Sub VlClientFree(ByRef client As Long)
#End If
    If client <> 0 Then vl_client_free client
    client = 0
End Sub

' Runs one operation ("balance", "redeem", "cancel_redemption", ..., "prepare") with a JSON request.
' document receives the result document, always: {"ok":true,"data":{...}} or {"ok":false,"error":
' {...}}; the status is returned (VL_OK, VL_REJECTED, VL_IN_DOUBT, ...). An operation name this
' module does not know is VL_INVALID_ARGUMENT, with a document saying so.
#If VBA7 Then
Public Function VlRun(ByVal client As LongPtr, ByVal operation As String, ByVal requestJson As String, ByRef document As String) As Long
    Dim out As LongPtr, request As LongPtr
#Else
Public Function VlRun(ByVal client As Long, ByVal operation As String, ByVal requestJson As String, ByRef document As String) As Long
    Dim out As Long, request As Long
#End If
    Dim bytes() As Byte
    Dim status As Long
    bytes = VlUtf8(requestJson)
    request = VarPtr(bytes(0))
    Select Case operation
        Case "prepare": status = vl_prepare(client, request, out)
        Case "capabilities": status = vl_capabilities(client, request, out)
        Case "balance": status = vl_balance(client, request, out)
        Case "redeem": status = vl_redeem(client, request, out)
        Case "cancel_redemption": status = vl_cancel_redemption(client, request, out)
        Case "activation_status": status = vl_activation_status(client, request, out)
        Case "activate": status = vl_activate(client, request, out)
        Case "cancel_activation": status = vl_cancel_activation(client, request, out)
        Case "deactivation_status": status = vl_deactivation_status(client, request, out)
        Case "deactivate": status = vl_deactivate(client, request, out)
        Case "issue": status = vl_issue(client, request, out)
        Case "history": status = vl_history(client, request, out)
        Case "member_vouchers": status = vl_member_vouchers(client, request, out)
        Case "validate": status = vl_validate(client, request, out)
        Case "submit_order": status = vl_submit_order(client, request, out)
        Case "lock": status = vl_lock(client, request, out)
        Case "unlock": status = vl_unlock(client, request, out)
        Case "pending": status = vl_pending(client, request, out)
        Case "recover": status = vl_recover(client, request, out)
        Case Else
            document = "{""ok"":false,""error"":{""code"":1,""status"":""invalid_argument"",""message"":""unknown operation " & operation & """}}"
            VlRun = VL_INVALID_ARGUMENT
            Exit Function
    End Select
    document = TakeDocument(out)
    VlRun = status
End Function

' The text of the first member `key` of a JSON document (a string's value unescaped, or a number,
' true, false as written; "" for null or when absent). Enough for a till's fields (balance,
' transaction_id, message); use a JSON library (e.g. VBA-JSON) for more.
Public Function VlJsonText(ByVal document As String, ByVal key As String) As String
    Dim at As Long, i As Long, c As String, out As String
    at = InStr(1, document, """" & key & """:", vbBinaryCompare)
    If at = 0 Then Exit Function
    i = at + Len(key) + 3
    If Mid$(document, i, 1) <> """" Then
        Do While i <= Len(document)
            c = Mid$(document, i, 1)
            If c = "," Or c = "}" Or c = "]" Then Exit Do
            out = out & c
            i = i + 1
        Loop
        If out = "null" Then out = ""
        VlJsonText = out
        Exit Function
    End If
    i = i + 1
    Do While i <= Len(document)
        c = Mid$(document, i, 1)
        If c = """" Then Exit Do
        If c = "\" Then
            i = i + 1
            c = Mid$(document, i, 1)
            Select Case c
                Case "n": c = vbLf
                Case "r": c = vbCr
                Case "t": c = vbTab
                Case "b": c = Chr$(8)
                Case "f": c = Chr$(12)
                Case "u"
                    c = ChrW$(CLng("&H" & Mid$(document, i + 1, 4)))
                    i = i + 4
            End Select
        End If
        out = out & c
        i = i + 1
    Loop
    VlJsonText = out
End Function
