(* voucherlink for Delphi (7 and later) and Free Pascal: vouchers, gift cards and coupons from
  e-guma, Treazure, GonnaOrder and Coupontools, through voucherlink.dll / libvoucherlink.so.

  Add this unit to the project and put the library beside the program (Windows: voucherlink.dll
  of the process's bitness; Linux: libvoucherlink.so on the library path).

    var
      Till: TVoucherLinkClient;
      Voucher, Taken: UTF8String;
    begin
      Till := TVoucherLinkClient.Create('{"provider":"eguma","api_key":"...","pos_id":"KASSE-1"}');
      try
        Voucher := Till.Balance('{"code":"L4FU-5LQT-KJR3"}');          // the data object, JSON
        Taken := Till.Redeem('{"code":"' + VlJsonText(Voucher, 'code') + '","remaining_to_pay":"80.00"}');
      finally
        Till.Free;
      end;
    end;

  Every method takes the request JSON and returns the result's data JSON (UTF-8); a failure raises
  EVoucherLink with Status (the VlStatus number) and Document (the whole result JSON). The C
  functions are declared under their C names too. Their calling convention is the library's
  (VL_CALL): stdcall on Windows (32-bit: as the DLL exports them; 64-bit: the one convention),
  cdecl elsewhere. The contract: docs/api.md; this unit: docs/bindings.md ("Delphi and Free
  Pascal"). *)
unit VoucherLink;

{$IFDEF FPC}
  {$MODE DELPHI}
  {$H+}
{$ENDIF}
{$IFDEF MSWINDOWS}
  {$DEFINE VL_STDCALL}
{$ENDIF}
{$IFDEF WINDOWS}
  {$DEFINE VL_STDCALL}
{$ENDIF}

interface

uses
  SysUtils;

const
  { The C ABI this unit was written for: VL_ABI_VERSION in voucherlink.h (Pascal names are not
    case-sensitive, so the C name would clash with the function vl_abi_version). }
  VoucherLinkAbiVersion = 1;

  { Status codes (VlStatus). }
  VL_OK = 0;
  VL_INVALID_ARGUMENT = 1;
  VL_CONFIG = 2;
  VL_UNSUPPORTED = 3;
  VL_NOT_FOUND = 4;
  VL_REJECTED = 5;
  VL_AUTH = 6;
  VL_NETWORK = 7;
  VL_IN_DOUBT = 8;
  VL_PROVIDER = 9;
  VL_INTERNAL = 10;

  { Log levels (VlLogLevel). }
  VL_LOG_TRACE = 0;
  VL_LOG_DEBUG = 1;
  VL_LOG_INFO = 2;
  VL_LOG_WARN = 3;
  VL_LOG_ERROR = 4;

  {$IFDEF VL_STDCALL}
  VoucherLinkLibrary = 'voucherlink.dll';
  {$ELSE}
    {$IFDEF DARWIN}
  VoucherLinkLibrary = 'libvoucherlink.dylib';
    {$ELSE}
  VoucherLinkLibrary = 'libvoucherlink.so';
    {$ENDIF}
  {$ENDIF}

type
  { An opaque client (VlClient *). }
  PVlClient = Pointer;
  VlStatus = Cardinal;
  VlLogLevel = Cardinal;
  { typedef void (VL_CALL *VlLogFn)(VlLogLevel level, const char *message_utf8, void *user_data) }
  TVlLogFn = procedure(level: VlLogLevel; message_utf8: PAnsiChar; user_data: Pointer);
    {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF};
  { The shape of every operation: VlStatus vl_<name>(const VlClient *, const char *, char **). }
  TVlOperation = function(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus;
    {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF};

{ The C functions (include/voucherlink.h), under their C names. }
function vl_version: PAnsiChar; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_abi_version: Cardinal; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_status_name(status: Cardinal): PAnsiChar; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_client_new(config_json: PAnsiChar; out out_client: PVlClient; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
procedure vl_client_free(client: PVlClient); {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
procedure vl_string_free(s: PAnsiChar); {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_set_logger(callback: TVlLogFn; user_data: Pointer; min_level: VlLogLevel): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_prepare(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_capabilities(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_balance(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_redeem(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_cancel_redemption(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_activation_status(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_activate(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_cancel_activation(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_deactivation_status(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_deactivate(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_issue(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_history(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_member_vouchers(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_validate(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_submit_order(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_lock(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_unlock(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_pending(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;
function vl_recover(client: PVlClient; request_json: PAnsiChar; out out_json: PAnsiChar): VlStatus; {$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF}; external VoucherLinkLibrary;

type
  { A failed call: Status is the VlStatus number, Document the whole result JSON; Message is
    error.message (for the cashier). }
  EVoucherLink = class(Exception)
  private
    FStatus: Cardinal;
    FDocument: UTF8String;
  public
    constructor Create(AStatus: Cardinal; const ADocument: UTF8String);
    { The VlStatus number (VL_REJECTED, VL_IN_DOUBT, ...). }
    property Status: Cardinal read FStatus;
    // The whole result document: {"ok":false,"error":{...}}.
    property Document: UTF8String read FDocument;
  end;

  { A client (vl_client_new), freed by Free. May be used from several threads at once. Each method
    takes the request JSON and returns the result's data JSON, or raises EVoucherLink. }
  TVoucherLinkClient = class
  private
    FHandle: PVlClient;
    FDescription: UTF8String;
    function Call(Operation: TVlOperation; const RequestJson: UTF8String): UTF8String;
  public
    { A client from its JSON configuration (docs/api.md §5, §10). }
    constructor Create(const ConfigJson: UTF8String);
    destructor Destroy; override;
    { The library's version, vl_version(). }
    class function Version: UTF8String;
    { What vl_client_new said: the provider(s), the effective settings (no secrets), the operations. }
    property Description: UTF8String read FDescription;
    { Opens the way to the provider(s) now (connection, TLS, token): call it when the payment screen opens. }
    function Prepare(const RequestJson: UTF8String = '{}'): UTF8String;
    { Which operations this client supports. }
    function Capabilities(const RequestJson: UTF8String = '{}'): UTF8String;
    { Looks a voucher up: balance, status, the check-balance slip. }
    function Balance(const RequestJson: UTF8String): UTF8String;
    { Takes amount, or min(remaining_to_pay, balance), from a voucher. Moves money. }
    function Redeem(const RequestJson: UTF8String): UTF8String;
    { Gives a redemption back. Moves money. }
    function CancelRedemption(const RequestJson: UTF8String): UTF8String;
    { Whether a voucher can be sold, and for how much. }
    function ActivationStatus(const RequestJson: UTF8String): UTF8String;
    { Sells (activates / loads) a voucher. Moves money. }
    function Activate(const RequestJson: UTF8String): UTF8String;
    { Undoes a sale right after it. Moves money. }
    function CancelActivation(const RequestJson: UTF8String): UTF8String;
    { Whether a sold voucher can be taken back. }
    function DeactivationStatus(const RequestJson: UTF8String): UTF8String;
    { Takes a sold voucher back. Moves money. }
    function Deactivate(const RequestJson: UTF8String): UTF8String;
    { Issues a new virtual card. Moves money. }
    function Issue(const RequestJson: UTF8String): UTF8String;
    { A card's balance mutations. }
    function History(const RequestJson: UTF8String): UTF8String;
    { A loyalty member's vouchers. }
    function MemberVouchers(const RequestJson: UTF8String): UTF8String;
    { What a voucher does to an order. }
    function Validate(const RequestJson: UTF8String): UTF8String;
    { Reports the finished order (consumes the voucher). Moves money. }
    function SubmitOrder(const RequestJson: UTF8String): UTF8String;
    { Reserves a coupon during checkout. }
    function Lock(const RequestJson: UTF8String): UTF8String;
    { Releases a reserved coupon. }
    function Unlock(const RequestJson: UTF8String): UTF8String;
    { The journal entries not settled yet. }
    function Pending(const RequestJson: UTF8String = '{}'): UTF8String;
    { Settles open journal entries and reports what was settled. }
    function Recover(const RequestJson: UTF8String = '{}'): UTF8String;
  end;

{ The text of the first member Key of a JSON document (a string's value unescaped; a number, true or
  false as written; '' for null or when absent). Enough for a till's fields (code, balance,
  transaction_id, message); use a JSON library (Delphi's System.JSON, FPC's fpjson) for more. }
function VlJsonText(const Document: UTF8String; const Key: UTF8String): UTF8String;

implementation

{ Copies a document the library handed out, then frees it (always). }
function TakeDocument(Json: PAnsiChar): UTF8String;
begin
  if Json = nil then
  begin
    Result := '{"ok":false,"error":{"code":10,"status":"internal","message":"the library returned no document"}}';
    Exit;
  end;
  try
    Result := UTF8String(Json);
  finally
    vl_string_free(Json);
  end;
end;

// The data member of a success document, as JSON text: the library writes it {"ok":true,"data":...}.
function DataOf(const Document: UTF8String): UTF8String;
const
  Prefix = '{"ok":true,"data":';
begin
  if Copy(Document, 1, Length(Prefix)) <> Prefix then
    raise EVoucherLink.Create(VL_INTERNAL, Document);
  Result := Copy(Document, Length(Prefix) + 1, Length(Document) - Length(Prefix) - 1);
end;

function VlJsonText(const Document: UTF8String; const Key: UTF8String): UTF8String;
var
  At, I: Integer;
  C: AnsiChar;
  Code: Cardinal;
begin
  Result := '';
  At := Pos('"' + Key + '":', Document);
  if At = 0 then Exit;
  I := At + Length(Key) + 3;
  if (I > Length(Document)) or (Document[I] <> '"') then
  begin
    while (I <= Length(Document)) and not (Document[I] in [',', '}', ']']) do
    begin
      Result := Result + Document[I];
      Inc(I);
    end;
    if Result = 'null' then Result := '';
    Exit;
  end;
  Inc(I);
  while (I <= Length(Document)) and (Document[I] <> '"') do
  begin
    C := Document[I];
    if (C = '\') and (I < Length(Document)) then
    begin
      Inc(I);
      C := Document[I];
      case C of
        'n': C := #10;
        'r': C := #13;
        't': C := #9;
        'b': C := #8;
        'f': C := #12;
        'u':
          begin
            { \uXXXX to UTF-8 (the library writes non-ASCII text as UTF-8, not escaped). }
            Code := StrToIntDef('$' + string(Copy(Document, I + 1, 4)), Ord('?'));
            Inc(I, 4);
            if Code < $80 then
              Result := Result + AnsiChar(Code)
            else if Code < $800 then
              Result := Result + AnsiChar($C0 or (Code shr 6)) + AnsiChar($80 or (Code and $3F))
            else
              Result := Result + AnsiChar($E0 or (Code shr 12)) + AnsiChar($80 or ((Code shr 6) and $3F))
                + AnsiChar($80 or (Code and $3F));
            Inc(I);
            Continue;
          end;
      end;
    end;
    Result := Result + C;
    Inc(I);
  end;
end;

{ EVoucherLink }

constructor EVoucherLink.Create(AStatus: Cardinal; const ADocument: UTF8String);
var
  Text: UTF8String;
begin
  Text := VlJsonText(ADocument, 'message');
  if Text = '' then Text := UTF8String('voucherlink error ' + IntToStr(AStatus));
  inherited Create(string(Text));
  FStatus := AStatus;
  FDocument := ADocument;
end;

{ TVoucherLinkClient }

constructor TVoucherLinkClient.Create(const ConfigJson: UTF8String);
var
  Json: PAnsiChar;
  Status: VlStatus;
  Document: UTF8String;
begin
  inherited Create;
  if vl_abi_version <> VoucherLinkAbiVersion then
    raise EVoucherLink.Create(VL_CONFIG, UTF8String(Format(
      '{"ok":false,"error":{"code":2,"status":"config","message":"the library''s ABI version %d does not match this unit''s %d: use the unit shipped with the library"}}',
      [vl_abi_version, VoucherLinkAbiVersion])));
  Json := nil;
  Status := vl_client_new(PAnsiChar(ConfigJson), FHandle, Json);
  Document := TakeDocument(Json);
  if Status <> VL_OK then
    raise EVoucherLink.Create(Status, Document);
  FDescription := DataOf(Document);
end;

destructor TVoucherLinkClient.Destroy;
begin
  if FHandle <> nil then vl_client_free(FHandle);
  FHandle := nil;
  inherited Destroy;
end;

class function TVoucherLinkClient.Version: UTF8String;
begin
  Result := UTF8String(vl_version);
end;

function TVoucherLinkClient.Call(Operation: TVlOperation; const RequestJson: UTF8String): UTF8String;
var
  Json: PAnsiChar;
  Status: VlStatus;
  Document: UTF8String;
begin
  Json := nil;
  Status := Operation(FHandle, PAnsiChar(RequestJson), Json);
  Document := TakeDocument(Json);
  if Status <> VL_OK then
    raise EVoucherLink.Create(Status, Document);
  Result := DataOf(Document);
end;

function TVoucherLinkClient.Prepare(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_prepare, RequestJson); end;
function TVoucherLinkClient.Capabilities(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_capabilities, RequestJson); end;
function TVoucherLinkClient.Balance(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_balance, RequestJson); end;
function TVoucherLinkClient.Redeem(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_redeem, RequestJson); end;
function TVoucherLinkClient.CancelRedemption(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_cancel_redemption, RequestJson); end;
function TVoucherLinkClient.ActivationStatus(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_activation_status, RequestJson); end;
function TVoucherLinkClient.Activate(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_activate, RequestJson); end;
function TVoucherLinkClient.CancelActivation(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_cancel_activation, RequestJson); end;
function TVoucherLinkClient.DeactivationStatus(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_deactivation_status, RequestJson); end;
function TVoucherLinkClient.Deactivate(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_deactivate, RequestJson); end;
function TVoucherLinkClient.Issue(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_issue, RequestJson); end;
function TVoucherLinkClient.History(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_history, RequestJson); end;
function TVoucherLinkClient.MemberVouchers(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_member_vouchers, RequestJson); end;
function TVoucherLinkClient.Validate(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_validate, RequestJson); end;
function TVoucherLinkClient.SubmitOrder(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_submit_order, RequestJson); end;
function TVoucherLinkClient.Lock(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_lock, RequestJson); end;
function TVoucherLinkClient.Unlock(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_unlock, RequestJson); end;
function TVoucherLinkClient.Pending(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_pending, RequestJson); end;
function TVoucherLinkClient.Recover(const RequestJson: UTF8String): UTF8String;
begin Result := Call(@vl_recover, RequestJson); end;

end.
