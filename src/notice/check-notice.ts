import type { Locale } from '../i18n.js';
import type { NoticeDocument, NoticeTopic } from './notice-schema.js';

/** Something GDPR Art. 13 requires that the document lacks or gets wrong. */
export interface NoticeFinding {
  /** Stable identifier, e.g. `missing-statutory-requirement`. */
  code: string;
  /** The provision concerned, e.g. `Art. 13(2)(e)`. */
  article: string;
  /** `missing`: the document does not say it; `invalid`: it says something that no longer holds. */
  kind: 'missing' | 'invalid';
  /** The section the finding is about, when there is one. */
  section?: string;
  message: Record<Locale, string>;
}

interface Requirement {
  topic: NoticeTopic;
  article: string;
  /** Only required when the document declares this topic (e.g. withdrawal when consent is a basis). */
  when?: NoticeTopic;
  message: Record<Locale, string>;
}

const REQUIRED: Requirement[] = [
  {
    topic: 'controller-identity',
    article: 'Art. 13(1)(a)',
    message: {
      fi: 'Rekisterinpitäjän nimi ja yhteystiedot puuttuvat.',
      en: 'The identity and contact details of the controller are missing.',
      sv: 'Den personuppgiftsansvariges identitet och kontaktuppgifter saknas.',
    },
  },
  {
    topic: 'purposes',
    article: 'Art. 13(1)(c)',
    message: {
      fi: 'Käsittelyn tarkoitukset puuttuvat.',
      en: 'The purposes of the processing are missing.',
      sv: 'Ändamålen med behandlingen saknas.',
    },
  },
  {
    topic: 'legitimate-interests',
    when: 'basis-legitimate-interest',
    article: 'Art. 13(1)(d)',
    message: {
      fi: 'Käsittely perustuu oikeutettuun etuun, mutta etua ei kuvata.',
      en: 'Processing relies on legitimate interest, but the interests pursued are not described.',
      sv: 'Behandlingen grundar sig på berättigat intresse, men de intressen som eftersträvas beskrivs inte.',
    },
  },
  {
    topic: 'recipients',
    article: 'Art. 13(1)(e)',
    message: {
      fi: 'Henkilötietojen vastaanottajia tai vastaanottajaryhmiä ei kerrota.',
      en: 'The recipients or categories of recipients are not stated.',
      sv: 'Mottagarna eller kategorierna av mottagare av personuppgifterna anges inte.',
    },
  },
  {
    topic: 'retention',
    article: 'Art. 13(2)(a)',
    message: {
      fi: 'Säilytysaikaa tai sen määrittämisperusteita ei kerrota.',
      en: 'The retention period, or the criteria used to determine it, is not stated.',
      sv: 'Lagringstiden eller kriterierna för att fastställa den anges inte.',
    },
  },
  ...(
    [
      ['right-access', 'Art. 15', 'oikeus saada pääsy tietoihin', 'the right of access', 'rätten till tillgång'],
      ['right-rectification', 'Art. 16', 'oikeus tietojen oikaisemiseen', 'the right to rectification', 'rätten till rättelse'],
      ['right-erasure', 'Art. 17', 'oikeus tietojen poistamiseen', 'the right to erasure', 'rätten till radering'],
      ['right-restriction', 'Art. 18', 'oikeus käsittelyn rajoittamiseen', 'the right to restriction of processing', 'rätten till begränsning av behandling'],
      ['right-portability', 'Art. 20', 'oikeus siirtää tiedot järjestelmästä toiseen', 'the right to data portability', 'rätten till dataportabilitet'],
      ['right-objection', 'Art. 21', 'oikeus vastustaa käsittelyä', 'the right to object', 'rätten att göra invändningar'],
    ] as const
  ).map(
    ([topic, article, fi, en, sv]): Requirement => ({
      topic,
      article: `Art. 13(2)(b), ${article}`,
      message: { fi: `Rekisteröidyn oikeuksista puuttuu ${fi}.`, en: `The data subject's rights omit ${en}.`, sv: `Bland den registrerades rättigheter saknas ${sv}.` },
    }),
  ),
  {
    topic: 'withdraw-consent',
    when: 'basis-consent',
    article: 'Art. 13(2)(c)',
    message: {
      fi: 'Käsittely perustuu suostumukseen, mutta oikeutta peruuttaa suostumus ei kerrota.',
      en: 'Processing relies on consent, but the right to withdraw consent at any time is not stated.',
      sv: 'Behandlingen grundar sig på samtycke, men rätten att när som helst återkalla samtycket anges inte.',
    },
  },
  {
    topic: 'complaint',
    article: 'Art. 13(2)(d)',
    message: {
      fi: 'Oikeutta tehdä valitus valvontaviranomaiselle ei kerrota.',
      en: 'The right to lodge a complaint with a supervisory authority is not stated.',
      sv: 'Rätten att lämna in ett klagomål till en tillsynsmyndighet anges inte.',
    },
  },
  {
    topic: 'statutory-requirement',
    article: 'Art. 13(2)(e)',
    message: {
      fi: 'Selosteessa ei kerrota, onko henkilötietojen antaminen lakisääteinen tai sopimukseen perustuva vaatimus tai sopimuksen tekemisen edellytys, onko rekisteröidyn pakko antaa tiedot eikä mitä seurauksia tietojen antamatta jättämisestä on.',
      en: 'The notice does not say whether providing the personal data is a statutory or contractual requirement or a requirement necessary to enter into a contract, whether the data subject is obliged to provide it, or what follows from not providing it.',
      sv: 'Beskrivningen anger inte om tillhandahållandet av personuppgifterna är ett lagstadgat eller avtalsenligt krav eller ett krav som är nödvändigt för att ingå ett avtal, om den registrerade är skyldig att tillhandahålla dem eller vilka följderna blir om de inte tillhandahålls.',
    },
  },
  {
    topic: 'automated-decisions',
    article: 'Art. 13(2)(f)',
    message: {
      fi: 'Selosteessa ei kerrota, tehdäänkö automaattisia päätöksiä tai profilointia, eikä niihin liittyvää logiikkaa ja seurauksia.',
      en: 'The notice does not say whether automated decision-making, including profiling, takes place, nor the logic involved and its consequences.',
      sv: 'Beskrivningen anger inte om automatiserat beslutsfattande, inbegripet profilering, förekommer, och inte heller logiken bakom det eller dess följder.',
    },
  },
];

const BASES: NoticeTopic[] = [
  'basis-consent',
  'basis-contract',
  'basis-legitimate-interest',
  'basis-legal-obligation',
];

// Transfer mechanisms the CJEU has invalidated: relying on them is a finding
// even though the notice "covers" transfers.
const INVALID_MECHANISMS = [
  {
    pattern: /privacy\s*shield/i,
    code: 'invalid-transfer-privacy-shield',
    message: {
      fi: 'Siirrot EU:n ja ETA:n ulkopuolelle perustuvat EU–US Privacy Shield -järjestelyyn, jonka EU:n tuomioistuin mitätöi tuomiollaan C-311/18 (Schrems II) 16.7.2020. Siirroille tarvitaan voimassa oleva peruste, esimerkiksi vakiosopimuslausekkeet tai EU–US Data Privacy Framework -tietosuojakehys.',
      en: 'Transfers outside the EU/EEA rely on the EU-US Privacy Shield, which the CJEU invalidated in case C-311/18 (Schrems II) on 16 July 2020. Transfers need a valid mechanism, such as standard contractual clauses or the EU-US Data Privacy Framework.',
      sv: 'Överföringarna till länder utanför EU/EES grundar sig på EU–US Privacy Shield, som EU-domstolen ogiltigförklarade i mål C-311/18 (Schrems II) den 16 juli 2020. Överföringarna behöver en giltig grund, till exempel standardavtalsklausuler eller EU–US Data Privacy Framework.',
    },
  },
  {
    pattern: /safe\s*harbou?r/i,
    code: 'invalid-transfer-safe-harbor',
    message: {
      fi: 'Siirrot perustuvat Safe Harbor -järjestelyyn, jonka EU:n tuomioistuin mitätöi tuomiollaan C-362/14 (Schrems I) vuonna 2015.',
      en: 'Transfers rely on Safe Harbor, which the CJEU invalidated in case C-362/14 (Schrems I) in 2015.',
      sv: 'Överföringarna grundar sig på Safe Harbor, som EU-domstolen ogiltigförklarade i mål C-362/14 (Schrems I) år 2015.',
    },
  },
];

/**
 * Reports what GDPR Art. 13 requires of a privacy notice that the document
 * lacks or gets wrong. It reads the topics the document declares (`covers`)
 * and the text of its transfer section; it never changes the document.
 */
export function checkNotice(notice: NoticeDocument): NoticeFinding[] {
  const covered = new Set<NoticeTopic>();
  const transferText: { section: string; text: string }[] = [];
  for (const section of notice.sections) {
    section.covers?.forEach((topic) => covered.add(topic));
    const sectionIsTransfer = section.covers?.includes('transfers') ?? false;
    for (const block of section.blocks) {
      block.covers?.forEach((topic) => covered.add(topic));
      if (sectionIsTransfer || block.covers?.includes('transfers')) {
        transferText.push({ section: section.id, text: blockText(block) });
      }
    }
  }

  const findings: NoticeFinding[] = [];
  if (!BASES.some((basis) => covered.has(basis))) {
    findings.push({
      code: 'missing-legal-basis',
      article: 'Art. 13(1)(c)',
      kind: 'missing',
      message: {
        fi: 'Käsittelyn oikeusperusteita ei kerrota.',
        en: 'The legal basis for the processing is not stated.',
        sv: 'Den rättsliga grunden för behandlingen anges inte.',
      },
    });
  }
  for (const requirement of REQUIRED) {
    if (requirement.when && !covered.has(requirement.when)) continue;
    if (!covered.has(requirement.topic)) {
      findings.push({
        code: `missing-${requirement.topic}`,
        article: requirement.article,
        kind: 'missing',
        message: requirement.message,
      });
    }
  }
  for (const mechanism of INVALID_MECHANISMS) {
    const hit = transferText.find(({ text }) => mechanism.pattern.test(text));
    if (hit) {
      findings.push({
        code: mechanism.code,
        article: 'Art. 13(1)(f), Art. 45–46',
        kind: 'invalid',
        section: hit.section,
        message: mechanism.message,
      });
    }
  }
  return findings;
}

function blockText(block: NoticeDocument['sections'][number]['blocks'][number]): string {
  switch (block.type) {
    case 'list':
      return block.items.join('\n');
    case 'ordered-list':
      return block.items.flatMap((item) => [item.text, ...(item.items ?? [])]).join('\n');
    case 'details':
      return block.items.map((item) => `${item.term}: ${item.value}`).join('\n');
    default:
      return block.text;
  }
}
