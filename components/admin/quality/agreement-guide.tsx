export function AgreementGuide() {
  return (
    <section aria-labelledby="agreement-guide" className="rounded-lg border border-neutral-200 bg-neutral-50 p-4 text-sm">
      <h2 id="agreement-guide" className="font-semibold">
        How to read these figures
      </h2>
      <dl className="mt-2 grid gap-x-4 gap-y-1 sm:grid-cols-[auto_1fr]">
        <dt className="font-medium">Percent agreement</dt>
        <dd>Share of label pairs on the same pair that agree, averaged over pairs; not corrected for chance, so it looks high when one answer dominates.</dd>
        <dt className="font-medium">Fleiss&apos; κ</dt>
        <dd>Agreement among any number of annotators corrected for chance: 1 perfect, 0 no better than chance, below 0 worse than chance.</dd>
        <dt className="font-medium">Krippendorff&apos;s α</dt>
        <dd>
          The same scale (1 perfect, 0 chance, &lt; 0 worse than chance), robust to missing labels; 0.800 and above is reliable, 0.667–0.800
          only for tentative conclusions.
        </dd>
        <dt className="font-medium">Cohen&apos;s κ</dt>
        <dd>Chance-corrected agreement of two annotators over the pairs they both labelled (n); same scale.</dd>
        <dt className="font-medium">n/a</dt>
        <dd>
          &ldquo;single category&rdquo;: every label gave the same answer, so agreement cannot be told apart from chance; &ldquo;no data&rdquo;: no pair
          has two labels yet.
        </dd>
      </dl>
      <p className="mt-2 text-neutral-600">
        Every pair with at least two labels counts, gold pairs included. A reject reason or a dimension is a yes/no question asked of every label: an
        accept has it not chosen.
      </p>
    </section>
  );
}
