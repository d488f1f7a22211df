import { expect } from 'chai';
import { categoryDisplayName, isEventType } from '../../../streams/sse/eventCatalog';

describe('eventCatalog', () => {
  it('makes category display names from free-form categories', () => {
    expect(categoryDisplayName('access_control')).to.equal('Access Control');
    expect(categoryDisplayName('show-lights')).to.equal('Show Lights');
    expect(categoryDisplayName('telephone')).to.equal('Telephone');
  });

  it("uses the seed's names where they are not the category's words", () => {
    expect(categoryDisplayName('access')).to.equal('Access Control');
    expect(categoryDisplayName('security')).to.equal('Security');
    expect(categoryDisplayName('constructor')).to.equal('Constructor');
  });

  it('knows its event types and nothing else', () => {
    expect(isEventType('FIRED')).to.equal(true);
    expect(isEventType('fired')).to.equal(false);
    expect(isEventType('toString')).to.equal(false);
  });
});
