#!/usr/bin/python3
"""Master data of the Tryton 6.0 sandbox, from scripts/tryton/master-data.json.

Runs in-process through proteus (trytond need not be running) on a freshly initialised
database, and writes the crosswalk (the gateway's codes -> Tryton ids) that the Tryton
connector reads. Run with Debian's /usr/bin/python3: proteus lives in its dist-packages.

    setup.py --config CONF --database NAME --master-data FILE --crosswalk OUT
"""
import argparse
import datetime
import json
import sys
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from proteus import Model, Wizard, config as pconfig

parser = argparse.ArgumentParser()
parser.add_argument('--config', required=True)
parser.add_argument('--database', required=True)
parser.add_argument('--master-data', required=True)
parser.add_argument('--crosswalk', required=True)
args = parser.parse_args()

with open(args.master_data) as f:
    data = json.load(f)

cfg = pconfig.set_trytond(database=args.database, config_file=args.config)

Company = Model.get('company.company')
if Company.find([]):
    sys.exit('this database already has companies: set-up runs on a fresh database only')

Account = Model.get('account.account')
AccountTemplate = Model.get('account.account.template')
AccountType = Model.get('account.account.type')
Category = Model.get('product.category')
Currency = Model.get('currency.currency')
CurrencyRate = Model.get('currency.currency.rate')
FiscalYear = Model.get('account.fiscalyear')
Journal = Model.get('account.journal')
Location = Model.get('stock.location')
ModelData = Model.get('ir.model.data')
Party = Model.get('party.party')
PaymentTerm = Model.get('account.invoice.payment_term')
Sequence = Model.get('ir.sequence')
SequenceStrict = Model.get('ir.sequence.strict')
SequenceType = Model.get('ir.sequence.type')
Tax = Model.get('account.tax')
Template = Model.get('product.template')
Uom = Model.get('product.uom')
UomCategory = Model.get('product.uom.category')
User = Model.get('res.user')


def model_data(module, fs_id):
    record, = ModelData.find([('module', '=', module), ('fs_id', '=', fs_id)], limit=1)
    return record.db_id


crosswalk = {
    'companies': {}, 'currencies': {}, 'units': {}, 'sites': {}, 'suppliers': {},
    'items': {}, 'accounts': {}, 'taxes': {}, 'journals': {}, 'paymentTerms': {},
    'locations': {},
}

# --- currencies, units, payment terms, journals (shared by all companies) -----------------
for c in data['currencies']:
    currency = Currency(name=c['name'], symbol=c['symbol'], code=c['code'],
        rounding=Decimal('0.01'))
    currency.save()
    CurrencyRate(date=datetime.date(2000, 1, 1), rate=Decimal(c['rate']),
        currency=currency).save()
    crosswalk['currencies'][c['code']] = currency.id

for u in data['units']:
    if u.get('existing'):
        unit, = Uom.find([('name', '=', u['name'])], limit=1)
    else:
        category, = UomCategory.find([('name', '=', u['category'])], limit=1)
        unit = Uom(name=u['name'], symbol=u['symbol'], category=category,
            factor=1, rate=1, rounding=Decimal('1'), digits=0)
        unit.save()
    crosswalk['units'][u['code']] = unit.id

for t in data['paymentTerms']:
    term = PaymentTerm(name=t['name'])
    line = term.lines.new(type='remainder')
    line.relativedeltas.new(days=t['days'])
    term.save()
    crosswalk['paymentTerms'][t['code']] = term.id

journal_sequence = Sequence(model_data('account', 'sequence_account_journal'))
for j in data['journals']:
    journal = Journal(name=j['name'], code=j['code'], type='general',
        sequence=journal_sequence)
    journal.save()
    crosswalk['journals'][j['code']] = journal.id
expense_journal, = Journal.find([('code', '=', 'EXP')], limit=1)

# --- companies: each with its chart, fiscal years, accounts and taxes ----------------------
today = datetime.date.today()
years = sorted(set(data['fiscalYears']) | {today.year, today.year + 1})
move_seq_type = SequenceType(model_data('account', 'sequence_type_account_move'))
invoice_seq_type = SequenceType(model_data('account_invoice', 'sequence_type_account_invoice'))
root_template = AccountTemplate(model_data('account', 'account_template_root_en'))
goods = Category(name='Goods', accounting=True)
goods.save()

admin = User(cfg.user)
for c in data['companies']:
    party = Party(name=c['name'], code=c['code'])
    party.save()
    company = Company(party=party, currency=Currency(crosswalk['currencies'][c['currency']]))
    company.save()
    # Company-dependent values (accounts, sequences) are written in the company's context.
    admin = User(cfg.user)
    admin.companies.append(Company(company.id))
    admin.company = Company(company.id)
    admin.save()
    cfg._context = User.get_preferences(True, {})
    company = Company(company.id)

    for year in years:
        start = datetime.date(year, 1, 1)
        fiscal_year = FiscalYear(name='%s %s' % (c['code'], year), company=company,
            start_date=start, end_date=start + relativedelta(month=12, day=31))
        fiscal_year.post_move_sequence = Sequence(name='%s moves %s' % (c['code'], year),
            sequence_type=move_seq_type, company=company)
        fiscal_year.post_move_sequence.save()
        invoices = SequenceStrict(name='%s invoices %s' % (c['code'], year),
            sequence_type=invoice_seq_type, company=company)
        invoices.save()
        sequences, = fiscal_year.invoice_sequences
        for kind in ('out_invoice', 'in_invoice', 'out_credit_note', 'in_credit_note'):
            setattr(sequences, kind + '_sequence', invoices)
        fiscal_year.save()
        fiscal_year.click('create_period')

    chart = Wizard('account.create_chart')
    chart.execute('account')
    chart.form.account_template = root_template
    chart.form.company = company
    chart.execute('create_account')
    company_accounts = {a.name: a for a in Account.find([('company', '=', company.id)])}
    chart.form.account_receivable = company_accounts['Main Receivable']
    chart.form.account_payable = company_accounts['Main Payable']
    chart.execute('create_properties')

    root, = Account.find([('company', '=', company.id), ('parent', '=', None)], limit=1)
    accounts = {}
    for a in c['accounts']:
        type_template = model_data('account', 'account_type_template_%s_en' % a['type'])
        account_type, = AccountType.find([('company', '=', company.id),
                ('template', '=', type_template)], limit=1)
        account = Account(name=a['name'], code=a['code'], type=account_type, parent=root,
            company=company)
        account.save()
        accounts[a['code']] = account.id
    for name in ('Main Payable', 'Main Receivable', 'Main Cash', 'Main Tax'):
        accounts.setdefault(name, company_accounts[name].id)
    crosswalk['accounts'][c['code']] = accounts

    taxes = {}
    for t in c['taxes']:
        tax = Tax(name='%s %s' % (t['code'], t['name']), description=t['name'],
            type='percentage', rate=Decimal(t['rate']), company=company,
            invoice_account=company_accounts['Main Tax'],
            credit_note_account=company_accounts['Main Tax'])
        tax.save()
        taxes[t['code']] = tax.id
    crosswalk['taxes'][c['code']] = taxes

    goods = Category(goods.id)
    goods.account_expense = Account(accounts[c['expenseAccount']])
    goods.account_revenue = company_accounts['Main Revenue']
    goods.save()

    crosswalk['companies'][c['code']] = {
        'id': company.id,
        'party': party.id,
        'currency': c['currency'],
        'expenseAccount': accounts[c['expenseAccount']],
        'payableAccount': company_accounts['Main Payable'].id,
        'expenseJournal': expense_journal.id,
        'chargeAccounts': {kind: accounts[code] for kind, code in c['chargeAccounts'].items()},
    }

# The first company is the admin's working company. The connector names each document's
# company in its context; Tryton's record rules follow the user's company filter, not the
# context, so the integration user sees all its companies (each search names the company).
first = data['companies'][0]['code']
admin = User(cfg.user)
admin.company = Company(crosswalk['companies'][first]['id'])
admin.company_filter = 'all'
admin.save()
cfg._context = User.get_preferences(True, {})

# --- sites -> warehouses ---------------------------------------------------------------
supplier_location, = Location.find([('code', '=', 'SUP')], limit=1)
crosswalk['locations']['supplier'] = supplier_location.id
for s in data['sites']:
    parts = {}
    for part in ('input', 'output', 'storage'):
        location = Location(name='%s %s' % (s['code'], part.capitalize()), type='storage')
        location.save()
        parts[part] = location
    warehouse = Location(name=s['name'], code=s['code'], type='warehouse',
        input_location=parts['input'], output_location=parts['output'],
        storage_location=parts['storage'])
    warehouse.save()
    for location in parts.values():
        location.parent = warehouse
        location.save()
    crosswalk['sites'][s['code']] = {
        'warehouse': warehouse.id, 'input': parts['input'].id, 'storage': parts['storage'].id}

# --- suppliers and items -----------------------------------------------------------------
for s in data['suppliers']:
    party = Party(name=s['name'], code=s['code'])
    address, = party.addresses
    address.city = s.get('city')
    party.save()
    crosswalk['suppliers'][s['code']] = {'party': party.id, 'address': party.addresses[0].id}

for i in data['items']:
    unit = Uom(crosswalk['units'][i['unit']])
    template = Template(name=i['name'], code=i['code'], type='goods', default_uom=unit,
        purchasable=True, purchase_uom=unit, list_price=Decimal(i['cost']) * 2,
        cost_price_method='fixed', account_category=goods)
    product, = template.products
    product.cost_price = Decimal(i['cost'])
    template.save()
    crosswalk['items'][i['code']] = template.products[0].id

with open(args.crosswalk, 'w') as f:
    json.dump(crosswalk, f, indent=1, sort_keys=True)
    f.write('\n')
print('master data: %d companies, %d sites, %d suppliers, %d items, fiscal years %s' % (
    len(data['companies']), len(data['sites']), len(data['suppliers']), len(data['items']),
    ', '.join(map(str, years))))
