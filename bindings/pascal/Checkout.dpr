{ A whole checkout from Delphi or Free Pascal with the VoucherLink unit: balance, redeem, cancel, at a
  till that takes e-guma vouchers and Treazure gift cards through one client (the library finds
  each scan's provider).

    fpc -Mdelphi -Fu.. Checkout.dpr && ./Checkout http://127.0.0.1:PORT
    (Delphi: add VoucherLink.pas to the project; start `voucherlink sim` and pass the "root" URL
    it prints) }
program Checkout;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}
{$APPTYPE CONSOLE}

uses
  SysUtils, VoucherLink;

var
  Root: UTF8String;
  Till: TVoucherLinkClient;
  Card, Voucher, Taken, Back, Used: UTF8String;
begin
  if ParamCount <> 1 then
  begin
    WriteLn('usage: Checkout <simulator URL: the "root" that voucherlink sim prints>');
    Halt(2);
  end;
  Root := UTF8String(ParamStr(1));
  WriteLn('voucherlink ', TVoucherLinkClient.Version);
  { This till's gift cards start with 628: a `codes` rule sends them to Treazure directly. }
  Till := TVoucherLinkClient.Create('{"providers":[' +
    '{"provider":"eguma","api_key":"demo-outlet-1","base_url":"' + Root + '/eguma"},' +
    '{"provider":"treazure","client_id":"pos","client_secret":"secret","base_url":"' + Root + '/treazure",' +
    '"codes":{"prefixes":["628"]}}],"pos_id":"KASSE-PAS"}');
  try
    { The payment screen opens: connections and tokens now, not while the customer waits. }
    Till.Prepare;
    Card := Till.Balance('{"code":"6280001234567890"}');
    WriteLn('Gift card: EUR ', VlJsonText(Card, 'balance'), ' (', VlJsonText(Card, 'provider'), ')');
    Voucher := Till.Balance('{"code":"L4FU-5LQT-KJR3"}');
    WriteLn('Voucher ', VlJsonText(Voucher, 'code'), ': CHF ', VlJsonText(Voucher, 'balance'),
      ' (', VlJsonText(Voucher, 'provider'), ')');
    Taken := Till.Redeem('{"code":"' + VlJsonText(Voucher, 'code') +
      '","remaining_to_pay":"80.00","reference":"PAS-1001"}');
    WriteLn('Voucher pays CHF ', VlJsonText(Taken, 'amount'), ', balance CHF ', VlJsonText(Taken, 'balance'));
    Back := Till.CancelRedemption('{"code":"' + VlJsonText(Taken, 'code') + '","transaction_id":"' +
      VlJsonText(Taken, 'transaction_id') + '","amount":"' + VlJsonText(Taken, 'amount') + '"}');
    WriteLn('Sale voided: balance CHF ', VlJsonText(Back, 'balance'));
    try
      { Scan, look up, take: the lookup tells the library whose voucher it is. }
      Used := Till.Balance('{"code":"USED00000001"}');
      Till.Redeem('{"code":"' + VlJsonText(Used, 'code') + '","amount":"5.00"}');
      WriteLn('unexpected: a used voucher paid');
      Halt(1);
    except
      on E: EVoucherLink do
        if E.Status = VL_REJECTED then
          WriteLn('Refused as expected: ', E.Message)
        else if E.Status = VL_IN_DOUBT then
          { Never repeat it: the library settles it; keep error.journal_id with the sale. }
          WriteLn('In doubt, journal ', VlJsonText(E.Document, 'journal_id'))
        else
          raise;
    end;
  finally
    Till.Free;
  end;
end.
